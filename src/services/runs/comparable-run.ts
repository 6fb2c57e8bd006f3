import type { ComparableRun } from "../../engine/index.js";
import type { RunRow } from "../../store/runs-repo.js";

/** The measurements of a run (stored, or just finished) that a comparison reads. */
type Measured = {
  [K in "histogram" | "totalJobs" | "failedJobs" | "throughput" | "cost"]?: RunRow[K] | undefined;
};

/** Whether a run has measurements to compare (a run failed before measuring has none). */
export function isComparable(run: Measured): run is Measured & { histogram: string; totalJobs: number } {
  return typeof run.histogram === "string" && typeof run.totalJobs === "number";
}

/** A run as `compareRuns` takes it. */
export function comparableRun(run: Measured & { histogram: string }): ComparableRun {
  const total = run.totalJobs ?? 0;
  return {
    histogram: run.histogram,
    total,
    failed: run.failedJobs ?? 0,
    throughput: run.throughput ?? 0,
    costPerJob: total > 0 && typeof run.cost === "number" ? run.cost / total : null,
  };
}
