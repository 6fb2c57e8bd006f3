import { describe, expect, it } from "vitest";
import { parseWorkloadSpec, type WorkloadSpecInput } from "../engine/index.js";
import { runSpec } from "./run-spec.js";

const spec = (input: WorkloadSpecInput) => {
  const parsed = parseWorkloadSpec(input);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data;
};

describe("running a spec", () => {
  it("splits a workload over worker threads and merges the parts exactly", async () => {
    const progress: number[] = [];
    const r = await runSpec(
      spec({
        job: { kind: "synthetic", duration_ms: 5 },
        load: { model: "closed", jobs: 600, concurrency: 30 },
        threads: 3,
        records: 10,
      }),
      { onProgress: (p) => progress.push(p.completed) },
    );
    expect(r.counts).toMatchObject({ total: 600, completed: 600, failed: 0 });
    expect(r.latency_ms.p50!).toBeGreaterThanOrEqual(5);
    expect(r.records).toHaveLength(10);
    expect(r.timeline.reduce((sum, p) => sum + p.completed, 0)).toBe(600);
    expect(progress.at(-1)).toBe(600);
  });

  it("cancels every thread", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const r = await runSpec(
      spec({
        job: { kind: "synthetic", duration_ms: 50 },
        load: { model: "closed", jobs: 100_000, concurrency: 10 },
        threads: 2,
      }),
      { signal: controller.signal },
    );
    expect(r.cancelled).toBe(true);
    expect(r.counts.total).toBeLessThan(100_000);
  });
});
