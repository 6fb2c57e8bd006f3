import { describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock.js";
import { execute } from "../executors/run-workload.js";
import { syntheticJob } from "../jobs/synthetic-job.js";
import { partitionSpec, splitEvenly } from "../partition.js";
import { seededRandom } from "../random.js";
import { spec } from "../test-support/run.js";
import { decodeHistogram } from "./histogram.js";
import { mergeSnapshots } from "./merge.js";
import { summarize } from "./summarize.js";

describe("partitioning and merging", () => {
  it("splits counts evenly", () => {
    expect(splitEvenly(10, 3)).toEqual([3, 3, 4]);
    expect(splitEvenly(2, 4)).toEqual([0, 0, 1, 1]);
  });

  it("merged parts equal the whole run for a fixed workload", async () => {
    const whole = spec({
      job: { kind: "synthetic", duration_ms: 20, distribution: "fixed" },
      load: { model: "closed", jobs: 3000, concurrency: 30 },
    });
    const run = async (s: typeof whole) => {
      const clock = new VirtualClock();
      return execute(s, syntheticJob(s.job as never, { clock, random: seededRandom(1) }), {
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
    const snap = await execute(s, syntheticJob(s.job as never, { clock, random: seededRandom(1) }), {
      clock,
    });
    const r = summarize(snap, { cost: s.cost });
    expect(r.cost.total).toBeCloseTo(8 * 0.25 * 0.001 + 8 * 0.01, 12);
    expect(r.cost.per_job).toBeCloseTo(0.25 * 0.001 + 0.01, 12);
  });
});
