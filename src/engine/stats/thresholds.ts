/**
 * Pass/fail criteria in the notation k6 users know: `p95<200ms`, `p99<=1s`, `error_rate<1%`,
 * `throughput>500`, `p(99.9)<2s`, `mean<50`, `cost<0.10`.
 */
export type Comparison = "<" | "<=" | ">" | ">=";

export type ThresholdMetric =
  | { kind: "latency"; stat: "percentile"; percentile: number }
  | { kind: "latency"; stat: "mean" | "min" | "max" }
  | { kind: "rate"; name: "error_rate" | "success_rate" | "late_rate" }
  | { kind: "throughput" }
  | { kind: "cost"; name: "cost" | "cost_per_job" };

export interface Threshold {
  expression: string;
  metric: ThresholdMetric;
  /** Name used in reports, e.g. `p95`, `error_rate`. */
  metricName: string;
  op: Comparison;
  /** In the metric's base unit: milliseconds for latency, a fraction for rates, jobs/s, dollars. */
  value: number;
}

export interface ThresholdVerdict {
  expression: string;
  metric: string;
  op: Comparison;
  /** Threshold value in the metric's unit (ms, fraction, jobs/s, $). */
  threshold: number;
  /** Measured value in the same unit; `null` when there was nothing to measure. */
  actual: number | null;
  pass: boolean;
}

const EXPRESSION =
  /^\s*([a-z_]+(?:\(\s*[\d.]+\s*\))?|p\d+(?:\.\d+)?)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([a-zµ%/$]*)\s*$/i;
const LATENCY_UNITS: Record<string, number> = { "": 1, us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000 };

export const THRESHOLD_HELP =
  "expected '<metric><op><value>' such as 'p95<200ms', 'p99<=1s', 'error_rate<1%', 'throughput>500'; " +
  "metrics: p50 p90 p95 p99 p99.9 p(N) mean min max (units us ms s m, default ms), " +
  "error_rate success_rate late_rate (% or a fraction), throughput (jobs/s), cost cost_per_job ($); " +
  "operators: < <= > >=";

/** Parses one expression; returns an error message naming the rule when it is not valid. */
export function parseThreshold(expression: string): Threshold | { error: string } {
  const match = EXPRESSION.exec(expression);
  if (!match) return { error: `'${expression}' is not a threshold: ${THRESHOLD_HELP}` };
  const [, rawMetric, op, rawValue, rawUnit] = match as unknown as [
    string,
    string,
    Comparison,
    string,
    string,
  ];
  const name = rawMetric.toLowerCase().replace(/\s+/g, "");
  const unit = rawUnit.toLowerCase();
  const number = Number(rawValue);
  const metric = resolveMetric(name);
  if (!metric) return { error: `'${rawMetric}' is not a known metric in '${expression}': ${THRESHOLD_HELP}` };
  const bad = (rule: string) => ({ error: `'${expression}': ${rule}` });
  switch (metric.kind) {
    case "latency": {
      const scale = LATENCY_UNITS[unit];
      if (scale === undefined) return bad(`unit '${rawUnit}' is not a time unit (us, ms, s, m)`);
      if (number < 0) return bad("a latency cannot be negative");
      return { expression, metric, metricName: name, op, value: number * scale };
    }
    case "rate": {
      if (unit !== "" && unit !== "%")
        return bad(`unit '${rawUnit}' is not valid for a rate (use % or a fraction)`);
      const value = unit === "%" ? number / 100 : number;
      if (value < 0 || value > 1) return bad("a rate must be between 0 and 1 (or 0% and 100%)");
      return { expression, metric, metricName: name, op, value };
    }
    case "throughput":
      if (unit !== "" && unit !== "/s") return bad(`unit '${rawUnit}' is not valid for throughput (jobs/s)`);
      return { expression, metric, metricName: name, op, value: number };
    case "cost":
      if (unit !== "" && unit !== "$") return bad(`unit '${rawUnit}' is not valid for cost (dollars)`);
      return { expression, metric, metricName: name, op, value: number };
  }
}

function resolveMetric(name: string): ThresholdMetric | undefined {
  const fn = /^p\(([\d.]+)\)$/.exec(name);
  const short = /^p(\d+(?:\.\d+)?)$/.exec(name);
  if (fn || short) {
    let text = (fn ?? short)![1]!;
    // p999 and p9999 mean 99.9 and 99.99, as in most tools' summaries.
    if (short && /^99\d+$/.test(text) && !text.includes(".")) text = `99.${text.slice(2)}`;
    const percentile = Number(text);
    if (!(percentile >= 0 && percentile <= 100)) return undefined;
    return { kind: "latency", stat: "percentile", percentile };
  }
  switch (name) {
    case "mean":
    case "avg":
      return { kind: "latency", stat: "mean" };
    case "min":
    case "max":
      return { kind: "latency", stat: name };
    case "med":
      return { kind: "latency", stat: "percentile", percentile: 50 };
    case "error_rate":
    case "success_rate":
    case "late_rate":
      return { kind: "rate", name };
    case "throughput":
      return { kind: "throughput" };
    case "cost":
    case "cost_per_job":
      return { kind: "cost", name };
    default:
      return undefined;
  }
}

export interface ThresholdInputs {
  latencyPercentile(percentile: number): number | null;
  latency: { mean: number | null; min: number | null; max: number | null };
  errorRate: number | null;
  lateRate: number | null;
  throughput: number;
  cost: number;
  costPerJob: number | null;
}

export function evaluateThreshold(t: Threshold, inputs: ThresholdInputs): ThresholdVerdict {
  const actual = measure(t.metric, inputs);
  const pass = actual !== null && compare(actual, t.op, t.value);
  return { expression: t.expression, metric: t.metricName, op: t.op, threshold: t.value, actual, pass };
}

function measure(metric: ThresholdMetric, inputs: ThresholdInputs): number | null {
  switch (metric.kind) {
    case "latency":
      return metric.stat === "percentile"
        ? inputs.latencyPercentile(metric.percentile)
        : inputs.latency[metric.stat];
    case "rate":
      if (metric.name === "late_rate") return inputs.lateRate;
      if (inputs.errorRate === null) return null;
      return metric.name === "error_rate" ? inputs.errorRate : 1 - inputs.errorRate;
    case "throughput":
      return inputs.throughput;
    case "cost":
      return metric.name === "cost" ? inputs.cost : inputs.costPerJob;
  }
}

function compare(actual: number, op: Comparison, value: number): boolean {
  switch (op) {
    case "<":
      return actual < value;
    case "<=":
      return actual <= value;
    case ">":
      return actual > value;
    case ">=":
      return actual >= value;
  }
}
