import { VirtualClock } from "../clock/virtual-clock.js";
import { execute } from "../executors/run-workload.js";
import type { Job } from "../jobs/job.js";
import { syntheticJob } from "../jobs/synthetic-job.js";
import { parseWorkloadSpec, type WorkloadSpec, type WorkloadSpecInput } from "../spec/workload-spec.js";
import type { RunResult } from "../stats/run-result.js";
import { summarize } from "../stats/summarize.js";

export function spec(input: WorkloadSpecInput): WorkloadSpec {
  const parsed = parseWorkloadSpec(input);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data;
}

/** Runs a workload on virtual time with a seeded random stream: the result is exact and repeatable. */
export async function runVirtual(
  input: WorkloadSpecInput,
  {
    job,
    clock = new VirtualClock(),
    signal,
  }: { job?: (clock: VirtualClock) => Job; clock?: VirtualClock; signal?: AbortSignal } = {},
): Promise<RunResult> {
  const s = spec(input);
  const theJob =
    job?.(clock) ??
    (s.job.kind === "synthetic"
      ? syntheticJob(s.job, { clock, seed: s.seed ?? 1, ...(s.part ? { part: s.part } : {}) })
      : undefined);
  if (!theJob) throw new Error("runVirtual needs a job for non-synthetic specs");
  const snapshot = await execute(s, theJob, { clock, ...(signal ? { signal } : {}) });
  await theJob.close?.();
  return summarize(snapshot, { cost: s.cost, thresholds: s.thresholds });
}
