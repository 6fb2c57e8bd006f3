/**
 * What one job ended as: `undefined` when it succeeded, otherwise a short, low-cardinality
 * reason such as `timeout`, `status_503` or `synthetic_failure`. A primitive, so that the hot
 * path allocates nothing per job.
 */
export type JobOutcome = string | undefined;

/** The reason recorded for jobs still running when the run was cancelled or stopped. */
export const INTERRUPTED = "interrupted";

/** Failure reason for a job that threw (or rejected) instead of returning an outcome. */
export const JOB_ERROR = "job_error";

/** Returned by `Job.run` when the job will report through `done` later. */
export const PENDING: unique symbol = Symbol("pending");
export type Pending = typeof PENDING;

export type Done = (outcome: JobOutcome) => void;

/**
 * A unit of work the engine times.
 *
 * `run` either finishes at once and returns the outcome, or returns `PENDING` and calls `done`
 * exactly once, later (never before `run` returns). Callbacks rather than promises keep an
 * in-flight job down to a few array slots: 100,000 of them cost megabytes, not a garbage
 * collector's afternoon. `asyncJob` adapts promise-returning functions.
 */
export interface Job {
  /** `now` is the engine's clock reading at the start (jobs that time themselves reuse it). */
  run(index: number, done: Done, now: number): JobOutcome | Pending;
  /** Makes every in-flight `run` report `INTERRUPTED` promptly (cancellation, graceful stop). */
  interrupt?(): void;
  /** Releases connections, timers and threads. */
  close?(): Promise<void> | void;
  /** A sample of what the target answered, when the job keeps one (null until it has). */
  sample?(): unknown;
}

/** A job from an async function; a rejection is recorded as `job_error`. */
export function asyncJob(
  fn: (index: number) => Promise<JobOutcome>,
  hooks: Pick<Job, "interrupt" | "close"> = {},
): Job {
  return {
    run(index, done) {
      fn(index).then(done, () => done(JOB_ERROR));
      return PENDING;
    },
    ...hooks,
  };
}
