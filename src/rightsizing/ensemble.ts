import type { ForecastInput, ForecastModel, ModelName } from "./models/index.js";
import { blockMeans, fillGaps, type UsageSeries } from "./series.js";

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

export interface EnsembleOptions {
  readonly models: readonly ForecastModel[];
  /** How far ahead the recommendation must hold (default 24 h). */
  readonly horizonMs?: number;
  /**
   * Rolling-origin backtest folds inside the history (default 5: with fewer, a week's history
   * has no weekend among its folds, and the weights cannot see which model forecasts weekends).
   */
  readonly folds?: number;
}

export interface ModelSkill {
  readonly name: ModelName;
  /** Mean squared error over the backtest folds, hourly. */
  readonly mse: number;
  /** Mean absolute scaled error over the folds (scaled by in-sample seasonal naive MAE). */
  readonly mase: number;
  readonly weight: number;
}

export interface Fold {
  /** First base-resolution index after the fold's training part. */
  readonly originIndex: number;
  /** Fused forecast of each block of the fold's window. */
  readonly fused: Float64Array;
  /** Base-resolution usage minus the fused forecast of its block, NaN where usage is missing. */
  readonly residuals: Float64Array;
  /** Base-resolution usage divided by the fused forecast of its block (floored at 1 % of the mean level). */
  readonly ratios: Float64Array;
}

export interface EnsembleForecast {
  /** Length of one block (an hour, or the series' step when coarser). */
  readonly blockMs: number;
  /** Base points per block. */
  readonly factor: number;
  /** Fused forecast per block after the series' end. */
  readonly point: Float64Array;
  readonly skills: readonly ModelSkill[];
  readonly fusedMase: number;
  readonly naiveMase: number;
  readonly folds: readonly Fold[];
}

class InsufficientHistoryError extends Error {
  override readonly name = "InsufficientHistoryError";
}

/**
 * Forecasts the series' hourly means with every model, learns fusion weights from rolling-origin
 * backtests inside the history (weights ∝ 1 / MSE; a model more than twice as wrong as the best,
 * or one that fails on a fold, gets none), and keeps each fold's base-resolution residuals: they
 * carry both the forecast's error at the right lead times and the spread of 5-minute usage within
 * an hour, which is what a request has to cover.
 */
export async function ensembleForecast(
  series: UsageSeries,
  options: EnsembleOptions,
): Promise<EnsembleForecast> {
  const horizonMs = options.horizonMs ?? DAY_MS;
  const factor = Math.max(1, Math.round(HOUR_MS / series.stepMs));
  const blockMs = factor * series.stepMs;
  const period = Math.max(1, Math.round(DAY_MS / blockMs));
  const horizon = Math.max(1, Math.round(horizonMs / blockMs));
  // Whole blocks ending at the series' end, so the forecast starts right after the last sample.
  const skip = series.values.length % factor;
  const base = series.values.subarray(skip);
  const blocks = blockMeans(base, factor);
  const filled = fillGaps(blocks, period);
  const startSeconds = (series.startMs + skip * series.stepMs) / 1000;
  const stepSeconds = blockMs / 1000;
  const minTrain = Math.max(...options.models.map((m) => m.minHistory(period)));
  const wantedFolds = options.folds ?? 5;
  const folds = Math.min(wantedFolds, Math.floor((filled.length - minTrain) / horizon));
  if (folds < 1)
    throw new InsufficientHistoryError(
      `${((filled.length * blockMs) / HOUR_MS).toFixed(1)} h of history; at least ${(((minTrain + horizon) * blockMs) / HOUR_MS).toFixed(0)} h are needed (training ${(minTrain * blockMs) / HOUR_MS} h plus a ${(horizon * blockMs) / HOUR_MS} h backtest)`,
    );

  const origins = Array.from({ length: folds }, (_, k) => filled.length - horizon * (folds - k));
  const forecasts: (Float64Array | undefined)[][] = []; // [fold][model]
  const sq = options.models.map(() => 0);
  const abs = options.models.map(() => 0);
  const failed = options.models.map(() => false);
  let naiveAbs = 0;
  let count = 0;
  const scales: number[] = [];
  for (const origin of origins) {
    const train = filled.subarray(0, origin);
    const scale = seasonalScale(train, period);
    scales.push(scale);
    const input = { values: train, period, startSeconds, stepSeconds };
    const perModel = await Promise.all(options.models.map((m) => tryForecast(m, input, horizon)));
    forecasts.push(perModel);
    perModel.forEach((f, m) => {
      if (!f) failed[m] = true;
    });
    for (let h = 0; h < horizon; h++) {
      const actual = blocks[origin + h] as number;
      if (!Number.isFinite(actual)) continue;
      count++;
      naiveAbs += Math.abs(actual - (train[origin - period + (h % period)] as number)) / scale;
      perModel.forEach((f, m) => {
        const e = actual - (f ? (f[h] as number) : Number.NaN);
        sq[m] = (sq[m] as number) + e * e;
        abs[m] = (abs[m] as number) + Math.abs(e) / scale;
      });
    }
  }
  const mse = sq.map((s, m) => (count && !failed[m] ? s / count : Number.NaN));
  let weights = fusionWeights(mse);
  const skills = () =>
    options.models.map((m, i) => ({
      name: m.name,
      mse: mse[i] as number,
      mase: count && !failed[i] ? (abs[i] as number) / count : Number.NaN,
      weight: weights[i] as number,
    }));

  const input = { values: filled, period, startSeconds, stepSeconds };
  const final = await Promise.all(
    options.models.map((m, i) => ((weights[i] as number) > 0 ? tryForecast(m, input, horizon) : undefined)),
  );
  if (final.some((f, i) => !f && (weights[i] as number) > 0)) {
    // A model that forecast every fold but fails on the whole history: the others share its weight.
    const kept = weights.map((w, i) => (final[i] ? w : 0));
    const total = kept.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error("every forecasting model failed on this series");
    weights = kept.map((w) => w / total);
  }
  const point = fuse(final, weights, horizon);

  let fusedAbs = 0;
  let level = 0;
  for (const v of filled) level += v;
  const floor = Math.max(1e-12, (0.01 * level) / filled.length);
  const foldResults = origins.map((origin, k) => {
    const fused = fuse(forecasts[k] as (Float64Array | undefined)[], weights, horizon);
    const residuals = new Float64Array(horizon * factor);
    const ratios = new Float64Array(horizon * factor);
    for (let h = 0; h < horizon; h++) {
      const actual = blocks[origin + h] as number;
      if (Number.isFinite(actual))
        fusedAbs += Math.abs(actual - (fused[h] as number)) / (scales[k] as number);
      for (let j = 0; j < factor; j++) {
        const usage = base[(origin + h) * factor + j] as number;
        residuals[h * factor + j] = usage - (fused[h] as number);
        ratios[h * factor + j] = usage / Math.max(fused[h] as number, floor);
      }
    }
    return { originIndex: skip + origin * factor, fused, residuals, ratios };
  });

  return {
    blockMs,
    factor,
    point,
    skills: skills(),
    fusedMase: count ? fusedAbs / count : Number.NaN,
    naiveMase: count ? naiveAbs / count : Number.NaN,
    folds: foldResults,
  };
}

/** Inverse-MSE weights; models whose error is over twice the best one's (or NaN: failed) are left out. */
export function fusionWeights(mse: readonly number[]): number[] {
  const finite = mse.filter((e) => Number.isFinite(e));
  if (finite.length === 0) return mse.map((_, i) => (i === 0 ? 1 : 0));
  const best = Math.min(...finite);
  if (best === 0) {
    // A perfect backtest (a constant series): share the weight among the perfect models.
    const perfect = mse.filter((e) => e === 0).length;
    return mse.map((e) => (e === 0 ? 1 / perfect : 0));
  }
  const raw = mse.map((e) => (Number.isFinite(e) && e <= 2 * best ? 1 / e : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / total);
}

/** A model's forecast, or undefined when it fails (Prophet's optimizer can) or returns non-numbers. */
async function tryForecast(
  model: ForecastModel,
  input: ForecastInput,
  horizon: number,
): Promise<Float64Array | undefined> {
  try {
    const f = await model.forecast(input, horizon);
    return f.length === horizon && f.every(Number.isFinite) ? f : undefined;
  } catch {
    return undefined;
  }
}

function fuse(
  forecasts: readonly (Float64Array | undefined)[],
  weights: readonly number[],
  horizon: number,
): Float64Array {
  const out = new Float64Array(horizon);
  forecasts.forEach((f, m) => {
    const w = weights[m] as number;
    if (w > 0 && f) for (let h = 0; h < horizon; h++) out[h] = (out[h] as number) + w * (f[h] as number);
  });
  // Usage is never negative; a model's trend can be.
  for (let h = 0; h < horizon; h++) out[h] = Math.max(0, out[h] as number);
  return out;
}

/** In-sample MAE of the seasonal naive forecast: the denominator of MASE. */
export function seasonalScale(values: ArrayLike<number>, period: number): number {
  let sum = 0;
  let n = 0;
  for (let i = period; i < values.length; i++) {
    sum += Math.abs((values[i] as number) - (values[i - period] as number));
    n++;
  }
  const scale = n ? sum / n : 0;
  let level = 0;
  for (let i = 0; i < values.length; i++) level += Math.abs(values[i] as number);
  // A series that repeats exactly has no scale: rounding noise must not become one.
  return Math.max(scale, (1e-9 * level) / Math.max(1, values.length), 1e-12);
}
