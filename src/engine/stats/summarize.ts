import { histogramOf, percentileOf, rememberHistogram } from "./histogram.js";
import type { JobRecordView, LatencySummary, RunResult, TimelinePoint } from "./run-result.js";
import type { RunSnapshot, TimelineBucket } from "./run-snapshot.js";
import { evaluateThreshold, type Threshold } from "./thresholds.js";

export interface CostModel {
  /** Dollars per second of job execution (the seed's $0.001). */
  price_per_second: number;
  /** Dollars per job, on top. */
  price_per_job: number;
}

export const DEFAULT_COST: CostModel = Object.freeze({ price_per_second: 0.001, price_per_job: 0 });

const ms = (us: number | null): number | null => (us === null ? null : us / 1000);

/** One second of the timeline as people read it (milliseconds). */
export function timelinePoint(b: TimelineBucket): TimelinePoint {
  const timedInBucket = b.completed + b.failed;
  return {
    t: b.t,
    completed: b.completed,
    failed: b.failed,
    throughput: timedInBucket,
    mean_ms: timedInBucket === 0 ? null : b.latency_sum_us / timedInBucket / 1000,
    p50_ms: ms(b.p50_us),
    p95_ms: ms(b.p95_us),
    p99_ms: ms(b.p99_us),
    max_ms: ms(b.max_us),
  };
}

/**
 * Turns what was measured into the figures people read, with cost and threshold verdicts.
 * `extraCost` is what the jobs were billed beyond the cost model (an automation provider's
 * per-step price), in dollars.
 */
export function summarize(
  snapshot: RunSnapshot,
  {
    cost = DEFAULT_COST,
    thresholds = [],
    extraCost = 0,
  }: { cost?: CostModel; thresholds?: readonly Threshold[]; extraCost?: number } = {},
): RunResult {
  const histogram = histogramOf(snapshot);
  const timed = histogram.totalCount;
  const durationS = Math.max(0, (snapshot.ended_at_ms - snapshot.started_at_ms) / 1000);
  const at = (p: number) => ms(percentileOf(histogram, p));
  const latency: LatencySummary = {
    mean: timed === 0 ? null : snapshot.latency_sum_us / timed / 1000,
    stddev: timed === 0 ? null : histogram.stdDeviation / 1000,
    min: ms(snapshot.min_us),
    max: ms(snapshot.max_us),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
  };
  const costPerSecondOfWork = cost.price_per_second / 1e6;
  const totalCost =
    snapshot.service_sum_us * costPerSecondOfWork + snapshot.total * cost.price_per_job + extraCost;
  const throughput = durationS > 0 ? snapshot.total / durationS : 0;
  const errorRate = snapshot.total === 0 ? null : snapshot.failed / snapshot.total;
  const verdicts = thresholds.map((t) =>
    evaluateThreshold(t, {
      latencyPercentile: at,
      latency: { mean: latency.mean, min: latency.min, max: latency.max },
      errorRate,
      lateRate: snapshot.total === 0 ? null : snapshot.late_starts / snapshot.total,
      throughput,
      cost: totalCost,
      costPerJob: snapshot.total === 0 ? null : totalCost / snapshot.total,
    }),
  );
  const timeline: TimelinePoint[] = snapshot.timeline.map(timelinePoint);
  const records: JobRecordView[] = snapshot.records.map((r) => {
    const view: JobRecordView = {
      index: r.index,
      start_time: new Date(r.start_ms).toISOString(),
      latency_ms: r.latency_us / 1000,
      status: r.error === undefined ? "completed" : "failed",
      cost: r.service_us * costPerSecondOfWork + cost.price_per_job,
    };
    if (r.error !== undefined) view.error = r.error;
    return view;
  });
  const result: RunResult = {
    started_at: new Date(snapshot.started_at_ms).toISOString(),
    ended_at: new Date(snapshot.ended_at_ms).toISOString(),
    duration_s: durationS,
    cancelled: snapshot.cancelled,
    counts: {
      total: snapshot.total,
      completed: snapshot.completed,
      failed: snapshot.failed,
      failures: snapshot.failures,
      late_starts: snapshot.late_starts,
    },
    throughput,
    error_rate: errorRate,
    latency_ms: latency,
    start_lag_ms: { max: snapshot.max_start_lag_us / 1000 },
    cost: {
      total: totalCost,
      per_job: snapshot.total === 0 ? null : totalCost / snapshot.total,
      price_per_second: cost.price_per_second,
      price_per_job: cost.price_per_job,
    },
    thresholds: verdicts,
    thresholds_passed: verdicts.every((v) => v.pass),
    timeline,
    histogram: snapshot.histogram,
    records,
    records_dropped: snapshot.records_dropped,
  };
  rememberHistogram(result, histogram);
  return result;
}
