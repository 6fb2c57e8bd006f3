import { krrCpuRequest, krrMemory } from "./baselines/krr.js";
import { vpaCpuTarget, vpaMemoryTarget } from "./baselines/vpa.js";
import { type ConfidenceParts, confidenceOf } from "./confidence.js";
import { type EnsembleForecast, ensembleForecast, type Fold, type ModelSkill } from "./ensemble.js";
import type { ForecastModel } from "./models/index.js";
import { assessQuality, DEFAULT_THRESHOLDS, type QualityReport, type QualityThresholds } from "./quality.js";
import { decayedMean, decayedQuantile, max, mean, quantile } from "./quantiles.js";
import type { UsageSeries } from "./series.js";
import { coverage, mixtureQuantile, type ResidualMode } from "./usage-quantile.js";

const DAY_MS = 24 * 3600_000;

/**
 * How the request is drawn from the forecast. `forecast_level` (default): the decayed quantile
 * of the history (24 h half-life, as the VPA recommender weighs it) scaled by how the fused
 * forecast's level over the horizon compares with the history's decayed mean (square root,
 * within ×⅔…×1.5) — the history gives the shape of usage, the forecast where its level is
 * going. `residual_mixture`: the quantile of forecast + backtest residuals. Measured on the
 * bench's 43 series the first is better on both shortfall and slack (README).
 */
export type RequestMethod = "forecast_level" | "residual_mixture";

export interface RecommendOptions {
  readonly models: readonly ForecastModel[];
  /** How long the recommendation must hold (default 24 h). */
  readonly horizonMs?: number;
  readonly folds?: number;
  /** Share of future intervals the CPU request should cover (default 0.97; README: why). */
  readonly cpuQuantile?: number;
  /** Memory is not compressible: its request covers more (default 0.99). */
  readonly memoryQuantile?: number;
  /** Limits cover bursts: this quantile, and never less than the last week's peak (default 0.999). */
  readonly limitQuantile?: number;
  readonly thresholds?: QualityThresholds;
  /** How backtest residuals are applied to the forecast (default `additive`: measured better, README). */
  readonly residualMode?: ResidualMode;
  /** How the request is drawn from the forecast (default `forecast_level`). */
  readonly requestMethod?: RequestMethod;
  /** OOM kill times (ms) and whether CPU throttling was seen, from kube-state-metrics/cAdvisor. */
  readonly oomKillsAt?: readonly number[];
  readonly throttled?: boolean;
}

export interface ResourceRecommendation {
  readonly request: number;
  readonly limit: number;
  /** Error bounds of the request: the lowest and highest request one backtest fold's residuals alone give. */
  readonly requestBounds: readonly [number, number];
  readonly confidence: number;
  readonly confidenceParts: ConfidenceParts;
  /** Out-of-fold backtest coverage of the request (target: the request's quantile). */
  readonly backtestCoverage: number;
  readonly forecast: {
    readonly models: readonly ModelSkill[];
    readonly fusedMase: number;
    readonly naiveMase: number;
    readonly stepMs: number;
    /** First forecast block's start, ms. */
    readonly startMs: number;
    readonly point: number[];
    /** Per-block upper band: the request's quantile of point + residuals of that block alone. */
    readonly upper: number[];
  };
}

export interface Baselines {
  /** Kubernetes VPA recommender target (P90 of the decaying histogram × 1.15). */
  readonly vpa: { readonly request: number };
  /** KRR simple: CPU P95 (no limit), memory max + 15 % for request and limit. */
  readonly krr: { readonly request: number; readonly limit: number | null };
}

export type SeriesResult =
  | {
      readonly ok: true;
      readonly name: string;
      readonly resource: "cpu" | "memory";
      readonly quality: QualityReport;
      readonly recommendation: ResourceRecommendation;
      readonly baselines: Baselines;
    }
  | {
      readonly ok: false;
      readonly name: string;
      readonly resource: "cpu" | "memory";
      readonly quality: QualityReport;
      readonly error: string;
    };

/**
 * One series → its request, limit, error bounds and confidence, with the VPA and KRR baselines
 * computed on the same data. A series the quality check refuses gets an error naming why, never
 * a silent number.
 */
export async function recommendSeries(series: UsageSeries, options: RecommendOptions): Promise<SeriesResult> {
  const quality = assessQuality(series, options.thresholds ?? DEFAULT_THRESHOLDS);
  const head = { name: series.name, resource: series.resource, quality };
  if (quality.verdict === "unusable") return { ok: false, ...head, error: quality.reasons.join("; ") };
  let ensemble: EnsembleForecast;
  try {
    ensemble = await ensembleForecast(series, options);
  } catch (error) {
    return { ok: false, ...head, error: (error as Error).message };
  }
  const q = series.resource === "cpu" ? (options.cpuQuantile ?? 0.97) : (options.memoryQuantile ?? 0.99);
  const recommendation = fromEnsemble(series, ensemble, quality, q, options);
  return { ok: true, ...head, recommendation, baselines: baselinesOf(series, options.oomKillsAt) };
}

export function baselinesOf(series: UsageSeries, oomKillsAt: readonly number[] = []): Baselines {
  if (series.resource === "cpu")
    return { vpa: { request: vpaCpuTarget(series) }, krr: { request: krrCpuRequest(series), limit: null } };
  const krr = krrMemory(series);
  return { vpa: { request: vpaMemoryTarget(series, oomKillsAt) }, krr: { request: krr, limit: krr } };
}

function fromEnsemble(
  series: UsageSeries,
  ensemble: EnsembleForecast,
  quality: QualityReport,
  q: number,
  options: RecommendOptions,
): ResourceRecommendation {
  const folds = ensemble.folds;
  const mode = options.residualMode ?? "additive";
  const pick = (f: Fold) => (mode === "ratio" ? f.ratios : f.residuals);
  const allResiduals = concat(folds.map(pick));
  const { request, requestBounds, backtestCoverage } =
    (options.requestMethod ?? "forecast_level") === "forecast_level"
      ? levelRequest(series, ensemble, q)
      : mixtureRequest(ensemble, q, mode);
  const recentPeak = max(
    series.values.subarray(Math.max(0, series.values.length - Math.round((7 * DAY_MS) / series.stepMs))),
  );
  const limitQuantile = options.limitQuantile ?? 0.999;
  const burst = mixtureQuantile(ensemble.point, allResiduals, limitQuantile, mode);
  const limit = Math.max(request, burst, recentPeak) * (series.resource === "memory" ? 1.15 : 1);

  const lastMs = series.startMs + series.values.length * series.stepMs;
  const { score, parts } = confidenceOf({
    historyHours: quality.historyHours,
    missingShare: quality.missingShare,
    fusedMase: ensemble.fusedMase,
    naiveMase: ensemble.naiveMase,
    achievedCoverage: backtestCoverage,
    targetQuantile: q,
    recentChangepoint: quality.changepoints.some((t) => Date.parse(t) > lastMs - 2 * DAY_MS),
    incidents: (options.oomKillsAt?.length ?? 0) > 0 || options.throttled === true,
  });
  const point = Array.from(ensemble.point);
  return {
    request,
    limit,
    requestBounds,
    confidence: score,
    confidenceParts: parts,
    backtestCoverage,
    forecast: {
      models: ensemble.skills,
      fusedMase: ensemble.fusedMase,
      naiveMase: ensemble.naiveMase,
      stepMs: ensemble.blockMs,
      startMs: lastMs,
      point,
      upper: point.map((p) => mixtureQuantile([p], allResiduals, q, mode)),
    },
  };
}

interface DrawnRequest {
  readonly request: number;
  readonly requestBounds: readonly [number, number];
  /** Mean coverage of the request drawn at each backtest fold's origin, on that fold's usage. */
  readonly backtestCoverage: number;
}

/** A fold's usage at base resolution: its residuals put back on its fused forecast. */
const foldUsage = (fold: Fold, factor: number) =>
  fold.residuals.map((res, i) => res + (fold.fused[Math.floor(i / factor)] as number));

/**
 * The `forecast_level` request (see RequestMethod), drawn the same way at each backtest fold's
 * origin from the history before it: its coverage of the fold's usage is the backtest coverage,
 * and the ratios of what each fold's usage needed (its own quantile) to what was drawn give the
 * error bounds.
 */
function levelRequest(series: UsageSeries, ensemble: EnsembleForecast, q: number): DrawnRequest {
  const halfLife = DAY_MS / series.stepMs;
  const drawn = (end: number, fused: ArrayLike<number>) => {
    const history = series.values.subarray(0, end);
    const ratio = mean(fused) / decayedMean(history, halfLife);
    const level = Number.isFinite(ratio) && ratio > 0 ? Math.min(1.5, Math.max(2 / 3, Math.sqrt(ratio))) : 1;
    return decayedQuantile(history, halfLife, q) * level;
  };
  const request = drawn(series.values.length, ensemble.point);
  const needs: number[] = [];
  let covered = 0;
  let seen = 0;
  for (const fold of ensemble.folds) {
    const atFold = drawn(fold.originIndex, fold.fused);
    const usage = foldUsage(fold, ensemble.factor);
    const needed = quantile(usage, q);
    if (atFold > 0 && Number.isFinite(needed)) needs.push(needed / atFold);
    const c = coverage(usage, atFold);
    if (Number.isFinite(c)) {
      covered += c;
      seen++;
    }
  }
  return {
    request,
    requestBounds: needs.length
      ? [request * Math.min(...needs), request * Math.max(...needs)]
      : [request, request],
    backtestCoverage: seen ? covered / seen : Number.NaN,
  };
}

/**
 * The `residual_mixture` request: the `q` quantile of forecast + every fold's residuals; bounds
 * from each fold's residuals alone; coverage out of fold (each fold scored with the others').
 */
function mixtureRequest(ensemble: EnsembleForecast, q: number, mode: ResidualMode): DrawnRequest {
  const folds = ensemble.folds;
  const pick = (f: Fold) => (mode === "ratio" ? f.ratios : f.residuals);
  const request = mixtureQuantile(ensemble.point, concat(folds.map(pick)), q, mode);
  const perFold = folds.map((f) => mixtureQuantile(ensemble.point, pick(f), q, mode));
  let covered = 0;
  let seen = 0;
  if (folds.length > 1)
    folds.forEach((fold, k) => {
      const others = concat(folds.filter((_, j) => j !== k).map(pick));
      const c = coverage(foldUsage(fold, ensemble.factor), mixtureQuantile(fold.fused, others, q, mode));
      if (Number.isFinite(c)) {
        covered += c;
        seen++;
      }
    });
  return {
    request,
    requestBounds: [Math.min(...perFold), Math.max(...perFold)],
    backtestCoverage: seen ? covered / seen : Number.NaN,
  };
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
