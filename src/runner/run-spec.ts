import {
  type Clock,
  execute,
  type Progress,
  type RunResult,
  type RunSnapshot,
  summarize,
  systemClock,
  type TimelineBucket,
  type WorkloadSpec,
} from "../engine/index.js";
import { createJob } from "./create-job.js";
import { runInThreads } from "./threads/run-in-threads.js";

export interface RunSpecOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  onSecond?: (bucket: TimelineBucket) => void;
  clock?: Clock;
  /** Keep per-second histograms for exact merging with other parts (shards). */
  mergeable?: boolean;
}

/** Runs a validated spec (in this thread, or split over `spec.threads` worker threads). */
export async function runSpec(spec: WorkloadSpec, options: RunSpecOptions = {}): Promise<RunResult> {
  const snapshot = await measureSpec(spec, options);
  return summarize(snapshot, { cost: spec.cost, thresholds: spec.thresholds });
}

/** Like `runSpec`, returning the raw, mergeable measurements. */
export async function measureSpec(spec: WorkloadSpec, options: RunSpecOptions = {}): Promise<RunSnapshot> {
  if (spec.threads > 1) return runInThreads(spec, options);
  const clock = options.clock ?? systemClock;
  const job = createJob(spec, { clock });
  try {
    return await execute(spec, job, {
      clock,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.onSecond ? { onSecond: options.onSecond } : {}),
      ...(options.mergeable ? { mergeable: true } : {}),
    });
  } finally {
    await job.close?.();
  }
}
