import type { JsHistogram } from "hdr-histogram-js";
import { type CountedSample, mannWhitneyU, recordedBuckets } from "./compare-mann-whitney.js";
import { twoProportionZTest } from "./compare-proportions.js";
import { decodeHistogram, percentileOf } from "./histogram.js";

/** What a comparison needs of a run. */
export interface ComparableRun {
  /** Latency histogram in HdrHistogram's compressed base64 form, values in microseconds. */
  histogram: string;
  /** Jobs finished. */
  total: number;
  failed: number;
  /** Jobs per second. */
  throughput: number;
  /** Dollars per job; `null` when the run has no cost. */
  costPerJob: number | null;
}

export type Verdict = "regression" | "improvement" | "no_change" | "insufficient_data";

export type ComparedMetric =
  | "latency_mean_ms"
  | "latency_p50_ms"
  | "latency_p90_ms"
  | "latency_p95_ms"
  | "latency_p99_ms"
  | "error_rate"
  | "throughput"
  | "cost_per_job";

export interface MetricComparison {
  metric: ComparedMetric;
  /** In the metric's unit: milliseconds, a fraction (error rate), jobs/s, dollars. */
  baseline: number | null;
  current: number | null;
  /** current − baseline, in the metric's unit. */
  delta: number | null;
  /** Relative change in percent of the baseline; `null` when the baseline is zero and the current is not. */
  delta_pct: number | null;
  better: "lower" | "higher";
  /** The test that was run; `none` (with `p_value: null`) when none applies or the data was too small. */
  test: "mann_whitney_u" | "two_proportion_z" | "none";
  p_value: number | null;
  verdict: Verdict;
}

export interface RunComparison {
  verdict: Verdict;
  metrics: MetricComparison[];
  alpha: number;
  min_effect: number;
}

export interface CompareOptions {
  /** Significance level of the tests. */
  alpha?: number;
  /** Relative change below which nothing is called a change, as a fraction (0.05 = 5 %). */
  minEffect?: number;
}

/** Fewer observations than this in either run, and a tested metric is `insufficient_data`. */
const MIN_SAMPLES = 2;

/**
 * Single-valued metrics (throughput, cost per job) have no spread to test against: with one
 * sample per run, only a change this many times `minEffect` is called.
 */
const UNTESTED_EFFECT_FACTOR = 2;

const LATENCY_METRICS: readonly (readonly [ComparedMetric, number | "mean"])[] = [
  ["latency_mean_ms", "mean"],
  ["latency_p50_ms", 50],
  ["latency_p90_ms", 90],
  ["latency_p95_ms", 95],
  ["latency_p99_ms", 99],
];

/**
 * Says, metric by metric, whether `current` regressed, improved or did not change against
 * `baseline`. The run's verdict is a regression if any metric regressed, else an improvement if
 * any improved, else `insufficient_data` if latency or error rate could not be tested (a "no
 * change" needs that evidence), else no change.
 */
export function compareRuns(
  current: ComparableRun,
  baseline: ComparableRun,
  { alpha = 0.05, minEffect = 0.05 }: CompareOptions = {},
): RunComparison {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  if (!(minEffect >= 0)) throw new RangeError(`minEffect must be zero or more, got ${minEffect}`);
  const metrics = [
    ...compareLatency(
      decodeHistogram(current.histogram),
      decodeHistogram(baseline.histogram),
      alpha,
      minEffect,
    ),
    compareErrorRate(current, baseline, alpha, minEffect),
    compareUntested("throughput", "higher", baseline.throughput, current.throughput, minEffect),
    compareUntested("cost_per_job", "lower", baseline.costPerJob, current.costPerJob, minEffect),
  ];
  return { verdict: runVerdict(metrics), metrics, alpha, min_effect: minEffect };
}

/**
 * One Mann–Whitney U test over the two whole distributions decides whether latency shifted; each
 * statistic's own relative change then decides its direction and whether it moved enough to count.
 */
function compareLatency(
  current: JsHistogram,
  baseline: JsHistogram,
  alpha: number,
  minEffect: number,
): MetricComparison[] {
  const currentSample = recordedBuckets(current);
  const baselineSample = recordedBuckets(baseline);
  const tested = current.totalCount >= MIN_SAMPLES && baseline.totalCount >= MIN_SAMPLES;
  const p = tested ? mannWhitneyU(currentSample, baselineSample).p : null;
  // The mean comes from the buckets (within HdrHistogram's 0.1 %): a comparable run carries no latency sum.
  const statistic = (histogram: JsHistogram, sample: CountedSample, which: number | "mean") => {
    const us = which === "mean" ? meanOf(sample) : percentileOf(histogram, which);
    return us === null ? null : us / 1000;
  };
  return LATENCY_METRICS.map(([metric, which]) => {
    const before = statistic(baseline, baselineSample, which);
    const after = statistic(current, currentSample, which);
    const verdict =
      p === null || before === null || after === null
        ? "insufficient_data"
        : p < alpha
          ? changeVerdict(relativeChange(before, after), "lower", minEffect)
          : "no_change";
    return comparison(metric, "lower", before, after, p === null ? null : ["mann_whitney_u", p], verdict);
  });
}

/**
 * Error rate goes through the same relative-change rule as latency, not a difference in
 * percentage points, so that 0.1 % → 0.2 % counts as much as 5 % → 10 %; the z-test keeps small
 * counts from being called. From a zero baseline any failure is an infinite relative change: a
 * run that starts failing is a regression as soon as the failures are significant.
 */
function compareErrorRate(
  current: ComparableRun,
  baseline: ComparableRun,
  alpha: number,
  minEffect: number,
): MetricComparison {
  const rate = (run: ComparableRun) => (run.total > 0 ? run.failed / run.total : null);
  const before = rate(baseline);
  const after = rate(current);
  if (before === null || after === null || current.total < MIN_SAMPLES || baseline.total < MIN_SAMPLES)
    return comparison("error_rate", "lower", before, after, null, "insufficient_data");
  const { p } = twoProportionZTest(current.failed, current.total, baseline.failed, baseline.total);
  const verdict = p < alpha ? changeVerdict(relativeChange(before, after), "lower", minEffect) : "no_change";
  return comparison("error_rate", "lower", before, after, ["two_proportion_z", p], verdict);
}

function compareUntested(
  metric: ComparedMetric,
  better: "lower" | "higher",
  before: number | null,
  after: number | null,
  minEffect: number,
): MetricComparison {
  const known = (v: number | null): v is number => v !== null && Number.isFinite(v);
  if (!known(before) || !known(after))
    return comparison(metric, better, before, after, null, "insufficient_data");
  const verdict = changeVerdict(relativeChange(before, after), better, minEffect * UNTESTED_EFFECT_FACTOR);
  return comparison(metric, better, before, after, null, verdict);
}

function comparison(
  metric: ComparedMetric,
  better: "lower" | "higher",
  baseline: number | null,
  current: number | null,
  test: readonly ["mann_whitney_u" | "two_proportion_z", number] | null,
  verdict: Verdict,
): MetricComparison {
  const both = baseline !== null && current !== null;
  const relative = both ? relativeChange(baseline, current) : Number.NaN;
  return {
    metric,
    baseline,
    current,
    delta: both ? current - baseline : null,
    delta_pct: Number.isFinite(relative) ? relative * 100 : null,
    better,
    test: test === null ? "none" : test[0],
    p_value: test === null ? null : test[1],
    verdict,
  };
}

/** (current − baseline) / |baseline|; from a zero baseline any change is infinite. */
function relativeChange(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : current > 0 ? Infinity : -Infinity;
  return (current - baseline) / Math.abs(baseline);
}

/** A change of at least `threshold` (relative) in the worse direction is a regression. */
function changeVerdict(relative: number, better: "lower" | "higher", threshold: number): Verdict {
  const worse = better === "lower" ? relative : -relative;
  if (worse > 0 && worse >= threshold) return "regression";
  if (worse < 0 && -worse >= threshold) return "improvement";
  return "no_change";
}

function runVerdict(metrics: readonly MetricComparison[]): Verdict {
  if (metrics.some((m) => m.verdict === "regression")) return "regression";
  if (metrics.some((m) => m.verdict === "improvement")) return "improvement";
  const untestable = metrics.some(
    (m) =>
      m.verdict === "insufficient_data" && (m.metric.startsWith("latency_") || m.metric === "error_rate"),
  );
  return untestable ? "insufficient_data" : "no_change";
}

function meanOf(sample: CountedSample): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < sample.values.length; i++) {
    sum += sample.values[i]! * sample.counts[i]!;
    count += sample.counts[i]!;
  }
  return count === 0 ? null : sum / count;
}
