import { type ModelName, modelsByName } from "../../rightsizing/models/index.js";
import { recommendSeries, type SeriesResult } from "../../rightsizing/recommend.js";
import type { UsageSeries } from "../../rightsizing/series.js";
import { recommendInThreads } from "../../rightsizing/threads/recommend-in-threads.js";

export interface UsageToRecommend {
  readonly series: readonly UsageSeries[];
  readonly oomKillsAt?: ReadonlyMap<string, number[]>;
  readonly throttled?: ReadonlySet<string>;
}

export interface RecommendUsageOptions {
  readonly models: readonly ModelName[];
  readonly quantile: number;
  /** Worker threads for the series (at least 1: the server's event loop never fits a model). */
  readonly threads: number;
}

/**
 * Runs the recommendation pipeline over usage, results in the series' order. Series go to
 * worker threads; those with OOM kills or throttling seen are fitted here instead, because the
 * threads' messages carry no per-series events yet.
 */
export async function recommendUsage(
  usage: UsageToRecommend,
  { models, quantile, threads }: RecommendUsageOptions,
): Promise<SeriesResult[]> {
  const events = (s: UsageSeries) => ({
    oomKillsAt: usage.oomKillsAt?.get(s.name) ?? [],
    throttled: usage.throttled?.has(s.name) ?? false,
  });
  const here = usage.series.filter((s) => events(s).oomKillsAt.length > 0 || events(s).throttled);
  const away = usage.series.filter((s) => !here.includes(s));
  const results = new Map<UsageSeries, SeriesResult>();
  if (away.length > 0) {
    const answered = await recommendInThreads(away, { models, cpuQuantile: quantile }, threads);
    away.forEach((s, i) => {
      results.set(s, answered[i] as SeriesResult);
    });
  }
  if (here.length > 0) {
    const fitted = modelsByName(models);
    for (const s of here)
      results.set(s, await recommendSeries(s, { models: fitted, cpuQuantile: quantile, ...events(s) }));
  }
  return usage.series.map((s) => results.get(s) as SeriesResult);
}
