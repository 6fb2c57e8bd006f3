import type { Threshold } from "../engine/index.js";

/**
 * Capacity per replica from a load experiment's steps (pure: no clock, no network). A step is
 * one offered load at one replica count, with what the engine measured over its window and what
 * Prometheus said the workload used meanwhile.
 */

/** Latency figures of a step's window, milliseconds; `null` when nothing was timed. */
export interface StepLatency {
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  mean: number | null;
  max: number | null;
}

export interface StepMeasurement {
  step: number;
  replicas: number;
  /** Arrival rate offered to the whole workload, per second. */
  offeredLoad: number;
  /** Jobs finished per second over the window (whole workload). */
  throughput: number;
  /** Failed share of the window's jobs; `null` when none finished. */
  errorRate: number | null;
  latencyMs: StepLatency;
  /** CPU used per replica over the window, cores (its average); `null` without Prometheus. */
  cpuCores: number | null;
  /** Memory used per replica over the window, bytes (its average); `null` without Prometheus. */
  memoryBytes: number | null;
}

export interface SloVerdict {
  expression: string;
  /** Measured value in the threshold's unit (ms, fraction); `null` when there was none. */
  actual: number | null;
  threshold: number;
  pass: boolean;
}

/** Latency percentiles a step reports, by the percentile a threshold names. */
const PERCENTILES = new Map<number, keyof StepLatency>([
  [50, "p50"],
  [90, "p90"],
  [95, "p95"],
  [99, "p99"],
  [99.9, "p999"],
]);

/**
 * Why `threshold` cannot be an SLO (undefined when it can): an SLO is judged on latency
 * percentiles p50/p90/p95/p99/p99.9, mean and max latency, and the error or success rate.
 */
export function sloProblem(threshold: Threshold): string | undefined {
  const m = threshold.metric;
  if (m.kind === "latency") {
    if (m.stat === "percentile" && !PERCENTILES.has(m.percentile))
      return `'${threshold.expression}': SLO latency percentiles are p50, p90, p95, p99 and p99.9`;
    if (m.stat === "min") return `'${threshold.expression}': an SLO cannot be on the minimum latency`;
    return undefined;
  }
  if (m.kind === "rate" && m.name !== "late_rate") return undefined;
  return `'${threshold.expression}': an SLO is on latency (p95<300ms, mean<50ms) or on error_rate/success_rate`;
}

function sloValue(step: StepMeasurement, threshold: Threshold): number | null {
  const m = threshold.metric;
  if (m.kind === "latency") {
    if (m.stat === "percentile") {
      const key = PERCENTILES.get(m.percentile);
      return key ? step.latencyMs[key] : null;
    }
    return m.stat === "min" ? null : step.latencyMs[m.stat];
  }
  if (m.kind === "rate" && step.errorRate !== null) {
    if (m.name === "error_rate") return step.errorRate;
    if (m.name === "success_rate") return 1 - step.errorRate;
  }
  return null;
}

function holds(actual: number, t: Threshold): boolean {
  switch (t.op) {
    case "<":
      return actual < t.value;
    case "<=":
      return actual <= t.value;
    case ">":
      return actual > t.value;
    case ">=":
      return actual >= t.value;
  }
}

/** Each SLO expression judged on the step; the SLO holds when every one passes. */
export function evaluateSlo(
  step: StepMeasurement,
  slo: readonly Threshold[],
): { pass: boolean; verdicts: SloVerdict[] } {
  const verdicts = slo.map((t) => {
    const actual = sloValue(step, t);
    return {
      expression: t.expression,
      actual,
      threshold: t.value,
      pass: actual !== null && holds(actual, t),
    };
  });
  return { pass: verdicts.every((v) => v.pass), verdicts };
}

/**
 * - `interpolated`: the SLO held, then failed; capacity lies between the two steps.
 * - `lower_bound`: the SLO held at every step; capacity is at least the highest throughput seen.
 * - `never_held`: the SLO failed at the lowest load; capacity is below it (`upperBound`).
 */
export type CapacityStatus = "interpolated" | "lower_bound" | "never_held";

export interface ReplicaCapacity {
  replicas: number;
  status: CapacityStatus;
  /** Throughput per replica at which the SLO still holds, per second; `null` when it never held. */
  capacityPerReplica: number | null;
  /** Per replica, per second: the load at which the SLO was seen failing (none when it never failed). */
  upperBound: number | null;
  lastPassingStep: number | null;
  firstFailingStep: number | null;
  /** The SLO expression that failed first between the two steps. */
  bindingSlo: string | null;
  /** A step above the first failing one passed again: the measurement is noisy. */
  nonMonotonic: boolean;
  /**
   * This replica count's capacity per replica ÷ that of the fewest replicas measured (1: linear
   * scaling); `null` when either is unknown or only one replica count was measured.
   */
  scalingEfficiency: number | null;
}

/** `y = intercept + slope · x`, fitted by least squares. */
export interface LinearFit {
  intercept: number;
  slope: number;
  /** Coefficient of determination; `null` when y does not vary. */
  r2: number | null;
  points: number;
}

export interface CapacityResult {
  /**
   * The capacity to plan with: the lowest capacity per replica over the replica counts measured
   * (per-replica capacity falls as replicas are added when scaling is less than linear).
   */
  capacityPerReplica: number | null;
  /** The status of the replica count that capacity comes from (`never_held` when none held). */
  status: CapacityStatus | "no_steps";
  byReplicas: ReplicaCapacity[];
  /** CPU cores per replica against throughput per replica (jobs/s), over the steps within the SLO. */
  cpuPerLoad: LinearFit | null;
  /** Memory bytes per replica against throughput per replica, over the steps within the SLO. */
  memoryPerLoad: LinearFit | null;
}

/**
 * Where between `passing` (within the SLO) and `failing` (not) the SLO is crossed, as a share
 * of the way, from the expressions that failed: linear in each expression's measured value.
 */
function crossing(
  passing: StepMeasurement,
  failing: StepMeasurement,
  slo: readonly Threshold[],
): { share: number; expression: string | null } {
  let best: { share: number; expression: string | null } = { share: 1, expression: null };
  for (const t of slo) {
    const to = sloValue(failing, t);
    if (to !== null && holds(to, t)) continue;
    const from = sloValue(passing, t);
    // Nothing to interpolate on (nothing timed, or the same value): the failing step bounds it.
    const share = to === null || from === null || to === from ? 0 : (t.value - from) / (to - from);
    const clamped = Math.min(1, Math.max(0, share));
    if (best.expression === null || clamped < best.share) best = { share: clamped, expression: t.expression };
  }
  return best;
}

function capacityOf(replicas: number, steps: StepMeasurement[], slo: readonly Threshold[]): ReplicaCapacity {
  const ordered = [...steps].sort((a, b) => a.offeredLoad - b.offeredLoad || a.step - b.step);
  const passes = ordered.map((s) => evaluateSlo(s, slo).pass);
  const first = passes.indexOf(false);
  const perReplica = (value: number) => value / replicas;
  const base = { replicas, nonMonotonic: first >= 0 && passes.slice(first + 1).some(Boolean) };
  if (first === -1) {
    const best = ordered.reduce((a, b) => (b.throughput > a.throughput ? b : a));
    return {
      ...base,
      status: "lower_bound",
      capacityPerReplica: perReplica(best.throughput),
      upperBound: null,
      lastPassingStep: ordered.at(-1)!.step,
      firstFailingStep: null,
      bindingSlo: null,
      scalingEfficiency: null,
    };
  }
  const failing = ordered[first]!;
  if (first === 0) {
    return {
      ...base,
      status: "never_held",
      capacityPerReplica: null,
      upperBound: perReplica(failing.offeredLoad),
      lastPassingStep: null,
      firstFailingStep: failing.step,
      bindingSlo: evaluateSlo(failing, slo).verdicts.find((v) => !v.pass)?.expression ?? null,
      scalingEfficiency: null,
    };
  }
  const passing = ordered[first - 1]!;
  const { share, expression } = crossing(passing, failing, slo);
  const throughput = passing.throughput + share * (failing.throughput - passing.throughput);
  return {
    ...base,
    status: "interpolated",
    capacityPerReplica: perReplica(throughput),
    upperBound: perReplica(failing.offeredLoad),
    lastPassingStep: passing.step,
    firstFailingStep: failing.step,
    bindingSlo: expression,
    scalingEfficiency: null,
  };
}

/** Least squares of `y` on `x`; `null` with fewer than two distinct x. */
export function linearFit(points: readonly { x: number; y: number }[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (const p of points) sse += (p.y - (intercept + slope * p.x)) ** 2;
  return { intercept, slope, r2: syy === 0 ? null : 1 - sse / syy, points: n };
}

function resourceFit(
  steps: readonly StepMeasurement[],
  within: readonly boolean[],
  pick: (s: StepMeasurement) => number | null,
): LinearFit | null {
  const points = (inSlo: boolean) =>
    steps.flatMap((s, i) => {
      const y = pick(s);
      return y !== null && Number.isFinite(y) && (!inSlo || within[i])
        ? [{ x: s.throughput / s.replicas, y }]
        : [];
    });
  // Saturated steps flatten the line (a pegged CPU does not grow with the load offered): fit
  // on the steps within the SLO, and on every step only when too few of those have data.
  return linearFit(points(true)) ?? linearFit(points(false));
}

/** Capacity per replica count and overall, scaling efficiency, and resource use per unit of load. */
export function deriveCapacity(steps: readonly StepMeasurement[], slo: readonly Threshold[]): CapacityResult {
  if (steps.length === 0)
    return {
      capacityPerReplica: null,
      status: "no_steps",
      byReplicas: [],
      cpuPerLoad: null,
      memoryPerLoad: null,
    };
  const groups = new Map<number, StepMeasurement[]>();
  for (const s of steps) groups.set(s.replicas, [...(groups.get(s.replicas) ?? []), s]);
  const byReplicas = [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([replicas, group]) => capacityOf(replicas, group, slo));
  const reference = byReplicas[0]!.capacityPerReplica;
  if (byReplicas.length > 1 && reference !== null && reference > 0) {
    for (const g of byReplicas)
      g.scalingEfficiency = g.capacityPerReplica === null ? null : g.capacityPerReplica / reference;
  }
  const known = byReplicas.filter((g) => g.capacityPerReplica !== null);
  const lowest = known.reduce<ReplicaCapacity | undefined>(
    (a, b) => (a === undefined || b.capacityPerReplica! < a.capacityPerReplica! ? b : a),
    undefined,
  );
  const within = steps.map((s) => evaluateSlo(s, slo).pass);
  return {
    capacityPerReplica: lowest?.capacityPerReplica ?? null,
    status: lowest?.status ?? "never_held",
    byReplicas,
    cpuPerLoad: resourceFit(steps, within, (s) => s.cpuCores),
    memoryPerLoad: resourceFit(steps, within, (s) => s.memoryBytes),
  };
}

/**
 * What one replica needs at `loadPerReplica` jobs/s by a fit of `deriveCapacity` (cores or
 * bytes), never below zero. For a forecast request rate R over n replicas, pass R ÷ n; for the
 * replica count itself, `replicasFor` (replicas.ts) with `capacityPerReplica`.
 */
export function resourcesAt(fit: LinearFit, loadPerReplica: number): number {
  return Math.max(0, fit.intercept + fit.slope * loadPerReplica);
}
