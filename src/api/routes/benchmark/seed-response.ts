import type { RunResult } from "../../../engine/index.js";

const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

/**
 * The seed's response: its fields exactly (seconds, ISO-8601 UTC, dollars), then what Aurea
 * adds — failed jobs, latency percentiles, thresholds — and the per-job list, capped.
 */
export function seedResponse(
  id: string,
  numJobs: number,
  concurrency: number | null,
  model: "closed" | "open",
  result: RunResult,
) {
  const l = result.latency_ms;
  return {
    benchmark_id: id,
    num_jobs: numJobs,
    completed_jobs: result.counts.completed,
    throughput: result.throughput,
    mean_latency: seconds(l.mean) ?? 0,
    total_cost: result.cost.total,
    duration: result.duration_s,
    start_time: result.started_at,
    end_time: result.ended_at,
    jobs: result.records.map((r) => ({
      job_id: r.index,
      latency: r.latency_ms / 1000,
      status: r.status,
      cost: r.cost,
      start_time: r.start_time,
      ...(r.error ? { error: r.error } : {}),
    })),
    jobs_truncated: result.records_dropped > 0 || result.records.length < result.counts.total,
    failed_jobs: result.counts.failed,
    failures: result.counts.failures,
    model,
    concurrency,
    latency: {
      mean: seconds(l.mean),
      stddev: seconds(l.stddev),
      min: seconds(l.min),
      max: seconds(l.max),
      p50: seconds(l.p50),
      p90: seconds(l.p90),
      p95: seconds(l.p95),
      p99: seconds(l.p99),
      p999: seconds(l.p999),
    },
    cost: result.cost,
    thresholds: result.thresholds,
    thresholds_passed: result.thresholds_passed,
    cancelled: result.cancelled,
  };
}

export type SeedResponse = ReturnType<typeof seedResponse>;
