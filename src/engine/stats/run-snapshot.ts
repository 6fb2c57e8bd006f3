/**
 * Everything one executor (one process, one thread or one shard) measured, in a JSON-safe,
 * mergeable form. Times are wall-clock epoch milliseconds so that shards from different
 * machines line up; latencies are microseconds.
 */
export interface RunSnapshot {
  started_at_ms: number;
  ended_at_ms: number;
  /** Jobs that finished, successfully or not (interrupted ones included). */
  total: number;
  completed: number;
  failed: number;
  failures: Record<string, number>;
  /** Open models: jobs that began later than `late_start_ms` after their intended start. */
  late_starts: number;
  max_start_lag_us: number;
  /** Sum of latencies of timed jobs (all but interrupted), µs. */
  latency_sum_us: number;
  /** Sum of time spent executing jobs (from actual start), µs: the basis of cost. */
  service_sum_us: number;
  min_us: number | null;
  max_us: number | null;
  /** HdrHistogram of timed-job latencies, µs, compressed base64. */
  histogram: string;
  timeline: TimelineBucket[];
  records: JobRecord[];
  records_dropped: number;
  /** The run was cancelled before it finished. */
  cancelled: boolean;
}

export interface TimelineBucket {
  /** Seconds since the run started (bucket covers [t, t+1)). Jobs are counted when they end. */
  t: number;
  completed: number;
  failed: number;
  latency_sum_us: number;
  p50_us: number | null;
  p95_us: number | null;
  p99_us: number | null;
  max_us: number | null;
  /** The bucket's histogram (compressed base64) when the snapshot is meant to be merged. */
  histogram?: string;
}

export interface JobRecord {
  index: number;
  /** Wall-clock start (intended start in open models), epoch ms. */
  start_ms: number;
  latency_us: number;
  /** Time the job actually ran, µs (differs from latency when it started late). */
  service_us: number;
  /** Failure reason, absent when the job succeeded. */
  error?: string;
}
