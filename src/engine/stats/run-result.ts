import type { ThresholdVerdict } from "./thresholds.js";

/** Latency statistics in milliseconds; `null` when no job was timed. */
export interface LatencySummary {
  mean: number | null;
  stddev: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
}

export interface TimelinePoint {
  /** Seconds since the start of the run. */
  t: number;
  completed: number;
  failed: number;
  /** Jobs finished in this second (per second). */
  throughput: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
}

export interface JobRecordView {
  index: number;
  start_time: string;
  latency_ms: number;
  status: "completed" | "failed";
  error?: string;
  cost: number;
}

/** What a run measured, as reported by the CLI (`--json`), the API and the store. */
export interface RunResult {
  started_at: string;
  ended_at: string;
  duration_s: number;
  /** The run was cancelled before it finished. */
  cancelled: boolean;
  counts: {
    total: number;
    completed: number;
    failed: number;
    failures: Record<string, number>;
    late_starts: number;
  };
  /** Finished jobs (completed + failed) per second. */
  throughput: number;
  error_rate: number | null;
  latency_ms: LatencySummary;
  start_lag_ms: { max: number };
  cost: { total: number; per_job: number | null; price_per_second: number; price_per_job: number };
  thresholds: ThresholdVerdict[];
  thresholds_passed: boolean;
  timeline: TimelinePoint[];
  /** HdrHistogram of latencies in microseconds (compressed base64), for merging and re-querying. */
  histogram: string;
  records: JobRecordView[];
  records_dropped: number;
}
