import type { Clock } from "../clock/clock.js";
import { systemClock } from "../clock/system-clock.js";
import type { Job } from "../jobs/job.js";
import type { LoadSpec, WorkloadSpec } from "../spec/workload-spec.js";
import { Recorder } from "../stats/recorder.js";
import type { RunSnapshot, TimelineBucket } from "../stats/run-snapshot.js";
import { constantArrivals, rampingArrivals } from "./arrivals.js";
import { prepareClosed } from "./closed.js";
import { Execution, type Progress } from "./execution.js";
import { runOpen } from "./open.js";
import { Profile } from "./profile.js";
import { runRampingConcurrency } from "./ramping-concurrency.js";

/** Open models cap jobs in flight at this many unless the spec says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;

export interface ExecuteOptions {
  clock?: Clock;
  signal?: AbortSignal;
  /** Called every `spec.progress_interval` while the run lasts. */
  onProgress?: (progress: Progress) => void;
  /** Called with each finished second of the timeline. */
  onSecond?: (bucket: TimelineBucket) => void;
  /** Keep per-second histograms so that this snapshot can be merged exactly with others. */
  mergeable?: boolean;
}

type Plan = Pick<WorkloadSpec, "load" | "records" | "graceful_stop" | "progress_interval">;

/**
 * Runs `job` under the load the spec describes and returns what was measured. The caller owns
 * the job (and closes it). Resolves — never rejects — when the run ends, is cancelled through
 * `signal`, or is stopped by its duration; cancelled runs report what they measured so far.
 */
export async function execute(
  spec: Plan,
  job: Job,
  { clock = systemClock, signal, onProgress, onSecond, mergeable = false }: ExecuteOptions = {},
): Promise<RunSnapshot> {
  const load = spec.load;
  const ex = new Execution(job, clock);
  const startJobs = prepareJobs(ex, load);
  const origin = clock.now();
  const recorder = new Recorder(origin, clock.wallTime(), {
    records: spec.records,
    mergeable,
    lateStartMs: "late_start_ms" in load ? load.late_start_ms : 10,
    ...(onSecond ? { onSecond } : {}),
  });
  ex.open(origin, recorder);
  const cancel = (): void => ex.interrupt();
  signal?.addEventListener("abort", cancel, { once: true });
  const expected = expectedJobs(load);
  const ticker = clock.createTimers();
  const reportProgress = async (): Promise<void> => {
    while (onProgress && (await ticker.sleep(spec.progress_interval))) onProgress(ex.progress(expected));
  };
  void reportProgress();

  try {
    if (!signal?.aborted) {
      const endAt = runEnd(load);
      if (endAt !== undefined) void stopAt(ex, origin + endAt, spec.graceful_stop);
      await startJobs(origin);
    }
    ex.stopped = true;
    if (signal?.aborted) ex.interrupt();
    await ex.whenIdle();
  } finally {
    signal?.removeEventListener("abort", cancel);
    ticker.cancelAll();
    ex.dispose();
  }
  const end = clock.now();
  onProgress?.(ex.progress(expected));
  return recorder.finish(end, signal?.aborted ?? false);
}

/** What the load model needs, allocated before the run's clock starts; call it at the start. */
function prepareJobs(ex: Execution, load: LoadSpec): (origin: number) => Promise<void> {
  switch (load.model) {
    case "closed":
      return prepareClosed(ex, {
        jobs: load.jobs ?? Number.POSITIVE_INFINITY,
        concurrency: load.concurrency ?? load.jobs ?? 1,
        duration: load.duration ?? Number.POSITIVE_INFINITY,
      });
    case "open":
      return () =>
        runOpen(ex, {
          schedule: constantArrivals(load.rate, load.duration),
          maxInFlight: load.max_in_flight ?? DEFAULT_MAX_IN_FLIGHT,
        });
    case "stages": {
      const profile = new Profile(load.start, load.stages);
      if (load.target === "concurrency") return () => runRampingConcurrency(ex, profile);
      return () =>
        runOpen(ex, {
          schedule: rampingArrivals(profile),
          maxInFlight: load.max_in_flight ?? DEFAULT_MAX_IN_FLIGHT,
        });
    }
  }
}

/** When time-bounded models stop starting jobs, in ms from the start. */
function runEnd(load: LoadSpec): number | undefined {
  switch (load.model) {
    case "closed":
      return load.duration;
    case "open":
      return load.duration;
    case "stages":
      return load.stages.reduce((sum, s) => sum + s.duration, 0);
  }
}

/**
 * At `endAt` no new job may start; jobs still running `gracefulStop` ms later are interrupted
 * (k6's gracefulStop).
 */
async function stopAt(ex: Execution, endAt: number, gracefulStop: number): Promise<void> {
  // Coarse timers may fire up to a millisecond early: sleep until the end has really come.
  for (let wait = endAt - ex.clock.now(); wait > 0; wait = endAt - ex.clock.now()) {
    if (!(await ex.sleep(wait))) return;
  }
  ex.stopped = true;
  if (ex.inFlight === 0) return;
  if (await ex.sleep(gracefulStop)) ex.interrupt();
}

function expectedJobs(load: LoadSpec): number | null {
  switch (load.model) {
    case "closed":
      return load.duration === undefined ? (load.jobs ?? null) : null;
    case "open":
      return constantArrivals(load.rate, load.duration).total;
    case "stages":
      return load.target === "rate" ? rampingArrivals(new Profile(load.start, load.stages)).total : null;
  }
}
