import { seasonalScale } from "./ensemble.js";
import { baselinesOf, type RecommendOptions, recommendSeries } from "./recommend.js";
import type { UsageSeries } from "./series.js";
import { blockMeans } from "./series.js";

const DAY_MS = 24 * 3600_000;

/** How a constant request fared against usage that came after it. */
export interface Score {
  /** Share of intervals where usage exceeded the request. */
  readonly shortfall: number;
  /** Mean unused share of the request, (request − usage) / request, 0 when usage exceeds it. */
  readonly slack: number;
}

export function scoreRequest(usage: ArrayLike<number>, request: number): Score {
  let n = 0;
  let over = 0;
  let unused = 0;
  for (let i = 0; i < usage.length; i++) {
    const u = usage[i] as number;
    if (!Number.isFinite(u)) continue;
    n++;
    if (u > request) over++;
    else if (request > 0) unused += (request - u) / request;
  }
  return { shortfall: n ? over / n : Number.NaN, slack: n ? unused / n : Number.NaN };
}

export interface SeriesEvaluation {
  readonly name: string;
  readonly origins: number;
  readonly aurea: Score;
  readonly vpa: Score;
  readonly krr: Score;
  /** MASE of the fused hourly forecast and of seasonal naive over the same unseen windows. */
  readonly fusedMase: number;
  readonly naiveMase: number;
  /** Origins whose recommendation failed (quality or history), with why. */
  readonly failures: string[];
}

/**
 * Rolling-origin evaluation: at each origin (every `stepMs` from `firstOriginMs` after the
 * series' start) the three recommenders see only the past, and their requests are scored on the
 * next `horizonMs` of usage they never saw. Scores are averaged over origins.
 */
export async function evaluateSeries(
  series: UsageSeries,
  options: RecommendOptions & { firstOriginMs?: number; originStepMs?: number },
): Promise<SeriesEvaluation> {
  const horizonMs = options.horizonMs ?? DAY_MS;
  const first = Math.round((options.firstOriginMs ?? 7 * DAY_MS) / series.stepMs);
  const step = Math.round((options.originStepMs ?? DAY_MS) / series.stepMs);
  const horizon = Math.round(horizonMs / series.stepMs);
  const sums = { aurea: [0, 0], vpa: [0, 0], krr: [0, 0], fused: 0, naive: 0 };
  const failures: string[] = [];
  let origins = 0;
  let maseCount = 0;
  for (let origin = first; origin + horizon <= series.values.length; origin += step) {
    const train: UsageSeries = { ...series, values: series.values.subarray(0, origin) };
    const future = series.values.subarray(origin, origin + horizon);
    const result = await recommendSeries(train, options);
    if (!result.ok) {
      failures.push(`origin ${origin}: ${result.error}`);
      continue;
    }
    origins++;
    const baselines = baselinesOf(train, options.oomKillsAt);
    const add = (key: "aurea" | "vpa" | "krr", request: number) => {
      const s = scoreRequest(future, request);
      sums[key][0] = (sums[key][0] as number) + s.shortfall;
      sums[key][1] = (sums[key][1] as number) + s.slack;
    };
    add("aurea", result.recommendation.request);
    add("vpa", baselines.vpa.request);
    add("krr", baselines.krr.request);
    const mase = forecastErrors(train, future, result.recommendation.forecast.point);
    if (mase) {
      sums.fused += mase.fused;
      sums.naive += mase.naive;
      maseCount++;
    }
  }
  const avg = (pair: number[]): Score => ({
    shortfall: (pair[0] as number) / origins,
    slack: (pair[1] as number) / origins,
  });
  return {
    name: series.name,
    origins,
    aurea: avg(sums.aurea),
    vpa: avg(sums.vpa),
    krr: avg(sums.krr),
    fusedMase: sums.fused / maseCount,
    naiveMase: sums.naive / maseCount,
    failures,
  };
}

/** MASE of the hourly forecast and of seasonal naive on the unseen window, scaled in-sample. */
function forecastErrors(train: UsageSeries, future: Float64Array, point: readonly number[]) {
  const factor = Math.max(1, Math.round(3600_000 / train.stepMs));
  const period = Math.round(DAY_MS / (factor * train.stepMs));
  const history = blockMeans(train.values.subarray(train.values.length % factor), factor);
  const actual = blockMeans(future, factor);
  const scale = seasonalScale(
    history.filter((v) => Number.isFinite(v)),
    period,
  );
  let fused = 0;
  let naive = 0;
  let n = 0;
  for (let h = 0; h < actual.length && h < point.length; h++) {
    const a = actual[h] as number;
    const s = history[history.length - period + (h % period)] as number;
    if (!Number.isFinite(a) || !Number.isFinite(s)) continue;
    fused += Math.abs(a - (point[h] as number));
    naive += Math.abs(a - s);
    n++;
  }
  return n ? { fused: fused / n / scale, naive: naive / n / scale } : undefined;
}
