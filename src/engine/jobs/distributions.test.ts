import { describe, expect, it } from "vitest";
import { runVirtual } from "../test-support/run.js";

const N = 50_000;
const z95 = 1.6448536;
const z99 = 2.3263479;

describe("synthetic job durations measured by the engine", () => {
  it.each([
    // distribution, mean, spread, expected p50, p95, p99 (closed forms)
    ["fixed", 40, undefined, 40, 40, 40],
    ["uniform", 100, 50, 100, 145, 149],
    ["normal", 100, 20, 100, 100 + z95 * 20, 100 + z99 * 20],
    ["exponential", 100, undefined, 100 * Math.LN2, -100 * Math.log(0.05), -100 * Math.log(0.01)],
  ] as const)(
    "%s(mean %d, spread %s) has the textbook percentiles",
    async (distribution, mean, spread, p50, p95, p99) => {
      const r = await runVirtual({
        job: {
          kind: "synthetic",
          duration_ms: mean,
          distribution,
          ...(spread === undefined ? {} : { spread_ms: spread }),
        },
        load: { model: "closed", jobs: N, concurrency: N },
        seed: 42,
      });
      expect(r.latency_ms.mean!).toBeCloseTo(mean, -0.3); // within ±1 ms of the mean
      for (const [actual, expected] of [
        [r.latency_ms.p50!, p50],
        [r.latency_ms.p95!, p95],
        [r.latency_ms.p99!, p99],
      ] as const) {
        expect(Math.abs(actual - expected) / expected).toBeLessThan(0.02);
      }
    },
  );

  it("lognormal has the requested mean and standard deviation", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 100, distribution: "lognormal", spread_ms: 50 },
      load: { model: "closed", jobs: N, concurrency: N },
      seed: 3,
    });
    const sigma2 = Math.log(1 + 0.25);
    const median = Math.exp(Math.log(100) - sigma2 / 2);
    expect(Math.abs(r.latency_ms.mean! - 100)).toBeLessThan(1.5);
    expect(Math.abs(r.latency_ms.stddev! - 50) / 50).toBeLessThan(0.05);
    expect(Math.abs(r.latency_ms.p50! - median) / median).toBeLessThan(0.02);
  });

  it("the same seed gives the same result", async () => {
    const input = {
      job: {
        kind: "synthetic" as const,
        duration_ms: 10,
        distribution: "exponential" as const,
        failure_rate: 0.1,
      },
      load: { model: "closed" as const, jobs: 1000, concurrency: 10 },
      seed: 9,
    };
    const a = await runVirtual(input);
    const b = await runVirtual(input);
    expect(a.histogram).toBe(b.histogram);
    expect(a.counts).toEqual(b.counts);
  });
});
