import { describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock.js";
import { execute } from "../executors/run-workload.js";
import { syntheticJob } from "../jobs/synthetic-job.js";
import { partitionSpec, splitEvenly } from "../partition.js";
import { spec } from "../test-support/run.js";
import { decodeHistogram } from "./histogram.js";
import { mergeSnapshots } from "./merge.js";
import { summarize } from "./summarize.js";

describe("partitioning and merging", () => {
  it("splits counts evenly, the larger parts first", () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvenly(2, 4)).toEqual([1, 1, 0, 0]);
  });

  it.each([
    ["uniform", { model: "closed", jobs: 3001, concurrency: 30 }, 3],
    ["lognormal", { model: "closed", jobs: 2000, concurrency: 40 }, 4],
    ["exponential", { model: "open", rate: 400, duration: "5s" }, 2],
  ] as const)(
    "merged parts of a seeded %s workload equal the whole exactly: the same jobs, durations and failures (%j in %d parts)",
    async (distribution, load, parts) => {
      const whole = spec({
        job: { kind: "synthetic", duration_ms: 20, distribution, failure_rate: 0.2 },
        load,
        seed: 42,
      });
      const run = async (s: typeof whole) => {
        const clock = new VirtualClock();
        const job = syntheticJob(s.job as never, {
          clock,
          seed: s.seed!,
          ...(s.part ? { part: s.part } : {}),
        });
        return execute(s, job, { clock, mergeable: true });
      };
      const single = await run(whole);
      const split = partitionSpec(whole, parts);
      expect(split.map((p) => p.part)).toEqual(
        Array.from({ length: parts }, (_, index) => ({ index, of: parts })),
      );
      const merged = mergeSnapshots(await Promise.all(split.map(run)));
      expect(single.failed).toBeGreaterThan(0);
      expect(merged.total).toBe(single.total);
      expect(merged.failures).toEqual(single.failures);
      expect(merged.latency_sum_us).toBe(single.latency_sum_us);
      expect(decodeHistogram(merged.histogram).totalCount).toBe(single.total);
      expect(summarize(merged).latency_ms).toEqual(summarize(single).latency_ms);
    },
  );

  it("interleaves a part of a part within its parent's jobs", () => {
    const whole = spec({ job: { kind: "synthetic" }, load: { model: "closed", jobs: 12 }, seed: 1 });
    const [, second] = partitionSpec(whole, 2);
    expect(partitionSpec(second!, 3).map((p) => p.part)).toEqual([
      { index: 1, of: 6 },
      { index: 3, of: 6 },
      { index: 5, of: 6 },
    ]);
  });

  it("merged parts equal the whole run for a fixed workload", async () => {
    const whole = spec({
      job: { kind: "synthetic", duration_ms: 20, distribution: "fixed" },
      load: { model: "closed", jobs: 3000, concurrency: 30 },
    });
    const run = async (s: typeof whole) => {
      const clock = new VirtualClock();
      return execute(s, syntheticJob(s.job as never, { clock, seed: 1 }), {
        clock,
        mergeable: true,
      });
    };
    const single = await run(whole);
    const parts = await Promise.all(partitionSpec(whole, 3).map(run));
    const merged = mergeSnapshots(parts);
    expect(merged.total).toBe(single.total);
    expect(merged.latency_sum_us).toBe(single.latency_sum_us);
    expect(merged.timeline.map((b) => b.completed)).toEqual(single.timeline.map((b) => b.completed));
    expect(decodeHistogram(merged.histogram).totalCount).toBe(3000);
    const a = summarize(merged);
    const b = summarize(single);
    expect(a.latency_ms).toEqual(b.latency_ms);
    expect(a.timeline).toEqual(b.timeline);
    expect(a.cost.total).toBeCloseTo(b.cost.total, 12);
  });

  it("divides rates and concurrency targets of stages", () => {
    const s = spec({
      job: { kind: "synthetic" },
      load: { model: "stages", target: "concurrency", stages: [{ duration: "1s", target: 10 }] },
    });
    const parts = partitionSpec(s, 3);
    const targets = parts.map((p) => (p.load.model === "stages" ? p.load.stages[0]!.target : 0));
    expect(targets.reduce((x, y) => x + y, 0)).toBe(10);
  });
});

describe("cost", () => {
  it("charges latency seconds times the price per second, plus a price per job", async () => {
    const clock = new VirtualClock();
    const s = spec({
      job: { kind: "synthetic", duration_ms: 250 },
      load: { model: "closed", jobs: 8 },
      cost: { price_per_second: 0.001, price_per_job: 0.01 },
    });
    const snap = await execute(s, syntheticJob(s.job as never, { clock, seed: 1 }), {
      clock,
    });
    const r = summarize(snap, { cost: s.cost });
    expect(r.cost.total).toBeCloseTo(8 * 0.25 * 0.001 + 8 * 0.01, 12);
    expect(r.cost.per_job).toBeCloseTo(0.25 * 0.001 + 0.01, 12);
  });
});
