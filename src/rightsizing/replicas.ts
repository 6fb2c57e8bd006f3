/**
 * Replica and HPA recommendations, pure. Demand is in one unit throughout — requests per second
 * when a request rate and a per-replica capacity are known, cores otherwise (then a replica's
 * capacity is its recommended CPU request) — and the forecast peak of that demand must fit.
 */
import { type EnsembleOptions, ensembleForecast } from "./ensemble.js";
import type { UsageSeries } from "./series.js";
import { mixtureQuantile } from "./usage-quantile.js";

/** Replicas so that each serves at most `targetUtilisation` of its capacity at the peak: ceil, at least 1. */
export function replicasFor(
  peakDemand: number,
  capacityPerReplica: number,
  targetUtilisation: number,
): number {
  if (!(capacityPerReplica > 0) || !(targetUtilisation > 0))
    throw new RangeError("capacity per replica and target utilisation must be positive");
  if (!Number.isFinite(peakDemand) || peakDemand <= 0) return 1;
  // 1e-9: 2.0000000001 replicas of float noise is 2, not 3.
  return Math.max(1, Math.ceil(peakDemand / (capacityPerReplica * targetUtilisation) - 1e-9));
}

export interface ForecastDemand {
  /** The highest per-block upper quantile over the horizon: the busiest hour. */
  readonly peak: number;
  /** Per-block fused forecast and its upper band (the quantile of forecast + backtest residuals). */
  readonly point: number[];
  readonly upper: number[];
  readonly blockMs: number;
  readonly startMs: number;
}

/**
 * The demand replicas must cover: the series forecast by the ensemble (the same models, backtests
 * and residuals as the requests), each future block's `quantile` of forecast + residual, and the
 * highest of those over the horizon: a capacity must hold through the busiest hour, not on
 * average.
 */
export async function forecastDemand(
  series: UsageSeries,
  options: EnsembleOptions & { readonly quantile: number },
): Promise<ForecastDemand> {
  const ensemble = await ensembleForecast(series, options);
  const residuals: number[] = [];
  for (const f of ensemble.folds) for (const r of f.residuals) if (Number.isFinite(r)) residuals.push(r);
  const point = Array.from(ensemble.point);
  const upper = point.map((p) => mixtureQuantile([p], residuals, options.quantile));
  return {
    peak: Math.max(...upper),
    point,
    upper,
    blockMs: ensemble.blockMs,
    startMs: series.startMs + series.values.length * series.stepMs,
  };
}

/**
 * Cores one unit of demand costs (cores per request/s): total CPU over total request rate where
 * both were measured at the same time. NaN when they never overlap or no request was served.
 */
export function cpuPerUnit(cpu: UsageSeries, demand: UsageSeries): number {
  let cores = 0;
  let units = 0;
  for (let i = 0; i < demand.values.length; i++) {
    const at = demand.startMs + i * demand.stepMs;
    const j = Math.round((at - cpu.startMs) / cpu.stepMs);
    const c = cpu.values[j];
    const d = demand.values[i] as number;
    if (c === undefined || !Number.isFinite(c) || !Number.isFinite(d)) continue;
    cores += c;
    units += d;
  }
  return units > 0 ? cores / units : Number.NaN;
}

/**
 * Several series on one grid, added point by point (a workload's containers into the pod's
 * total): the union of their time spans at the first one's step; a point is the sum of the
 * series that have a number there, NaN where none has.
 */
export function sumSeries(name: string, series: readonly UsageSeries[]): UsageSeries | undefined {
  const first = series[0];
  if (!first) return undefined;
  const stepMs = first.stepMs;
  const startMs = Math.min(...series.map((s) => s.startMs));
  const endMs = Math.max(...series.map((s) => s.startMs + (s.values.length - 1) * s.stepMs));
  const values = new Float64Array(Math.round((endMs - startMs) / stepMs) + 1).fill(Number.NaN);
  for (const s of series)
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const at = Math.round((s.startMs + i * s.stepMs - startMs) / stepMs);
      values[at] = (Number.isFinite(values[at]) ? (values[at] as number) : 0) + v;
    });
  return { name, resource: first.resource, startMs, stepMs, values };
}

/** A HorizontalPodAutoscaler's bounds and Resource/Utilization targets (percent of the request). */
export interface HpaBounds {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number | null;
  readonly memoryUtilization: number | null;
}

export interface ReplicaInputs {
  /** Forecast peak demand (request/s or cores). */
  readonly peakDemand: number;
  /** What one replica serves at full utilisation, in the demand's unit. */
  readonly capacityPerReplica: number;
  /** Share of capacity a replica should run at, at the peak. */
  readonly targetUtilisation: number;
  /** The HPA targeting the workload, if any: then its target is recommended instead of a count. */
  readonly hpa?: HpaBounds | null;
  /**
   * For the HPA's CPU target: cores a replica uses per unit of demand, and its CPU request. Both
   * absent when demand is CPU itself (the utilisation of capacity then is the CPU utilisation).
   */
  readonly cpuPerUnit?: number;
  readonly cpuRequestPerReplica?: number;
  /** Highest HPA target recommended: above it the HPA has no headroom while it scales (default 0.9). */
  readonly maxTargetUtilisation?: number;
}

export type ReplicaRecommendation =
  | { readonly kind: "replicas"; readonly replicas: number }
  | {
      readonly kind: "hpa";
      readonly minReplicas: number;
      readonly maxReplicas: number;
      /** Recommended CPU target, percent of the request; null when it cannot be expressed in CPU. */
      readonly cpuUtilization: number | null;
      /** Replicas the HPA would run at the forecast peak with the recommended target. */
      readonly replicasAtPeak: number;
      /** Why the recommendation moved the target or the maximum. */
      readonly reason: string;
    };

/**
 * Without an HPA: the replica count. With one: the lowest utilisation target (never below
 * `targetUtilisation`) that keeps the forecast peak within the HPA's maximum at the capacity;
 * when even `maxTargetUtilisation` would not, the target stays and the maximum is raised to what
 * the peak needs. The minimum is kept (clamped to the maximum).
 */
export function recommendReplicas(inputs: ReplicaInputs): ReplicaRecommendation {
  const { peakDemand, capacityPerReplica: capacity, targetUtilisation: target } = inputs;
  const needed = replicasFor(peakDemand, capacity, target);
  const hpa = inputs.hpa;
  if (!hpa) return { kind: "replicas", replicas: needed };
  const ceiling = inputs.maxTargetUtilisation ?? 0.9;
  // Utilisation of capacity at which the peak needs exactly the HPA's maximum.
  const atMax = peakDemand > 0 ? peakDemand / (capacity * hpa.maxReplicas) : 0;
  let utilisation: number;
  let maxReplicas = hpa.maxReplicas;
  let reason: string;
  if (needed <= hpa.maxReplicas) {
    utilisation = target;
    reason = `the peak needs ${needed} of at most ${hpa.maxReplicas} replicas at ${percent(target)} % of capacity`;
  } else if (atMax <= ceiling) {
    utilisation = Math.ceil(atMax * 100 - 1e-9) / 100;
    reason = `at ${percent(target)} % the peak would need ${needed} replicas, over the maximum ${hpa.maxReplicas}: the target rises to ${percent(utilisation)} %`;
  } else {
    utilisation = target;
    maxReplicas = needed;
    reason = `the peak would need ${percent(atMax)} % of ${hpa.maxReplicas} replicas' capacity (over ${percent(ceiling)} %): the maximum rises to ${needed}`;
  }
  const cpuUtilization = toCpuUtilisation(utilisation, inputs);
  return {
    kind: "hpa",
    minReplicas: Math.min(Math.max(1, hpa.minReplicas), maxReplicas),
    maxReplicas,
    cpuUtilization,
    replicasAtPeak: replicasFor(peakDemand, capacity, utilisation),
    reason,
  };
}

/** Utilisation of capacity → the HPA's CPU utilisation (percent of the request), whole percent. */
function toCpuUtilisation(utilisation: number, inputs: ReplicaInputs): number | null {
  if (inputs.cpuPerUnit === undefined && inputs.cpuRequestPerReplica === undefined)
    return Math.round(utilisation * 100);
  const perUnit = inputs.cpuPerUnit ?? Number.NaN;
  const request = inputs.cpuRequestPerReplica ?? Number.NaN;
  const cpu = (utilisation * inputs.capacityPerReplica * perUnit) / request;
  return Number.isFinite(cpu) && cpu > 0 ? Math.max(1, Math.round(cpu * 100)) : null;
}

const percent = (x: number) => Number((x * 100).toFixed(1));
