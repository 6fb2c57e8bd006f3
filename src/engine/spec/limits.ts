/** Upper bounds a workload spec is validated against. Entry points may tighten them. */
export interface SpecLimits {
  /** Most jobs one closed-model run may ask for. */
  maxJobs: number;
  /** Most jobs in flight at once (closed concurrency, open `max_in_flight`, stage targets). */
  maxConcurrency: number;
  /** Longest single synthetic job, ms. */
  maxJobDurationMs: number;
  /** Longest run, ms. */
  maxRunDurationMs: number;
  /** Most per-job records a run keeps. */
  maxRecords: number;
  /** Highest arrival rate, jobs/s. */
  maxRate: number;
}

export const ENGINE_LIMITS: SpecLimits = Object.freeze({
  maxJobs: 1_000_000_000,
  maxConcurrency: 1_000_000,
  maxJobDurationMs: 600_000,
  maxRunDurationMs: 7 * 24 * 3_600_000,
  maxRecords: 100_000,
  maxRate: 10_000_000,
});
