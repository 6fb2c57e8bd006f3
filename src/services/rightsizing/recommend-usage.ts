import type { ModelName } from "../../rightsizing/models/index.js";
import type { SeriesResult } from "../../rightsizing/recommend.js";
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

/** Runs the recommendation pipeline over usage on worker threads, results in the series' order. */
export async function recommendUsage(
  usage: UsageToRecommend,
  { models, quantile, threads }: RecommendUsageOptions,
): Promise<SeriesResult[]> {
  return recommendInThreads(usage.series, { models, cpuQuantile: quantile }, threads, (s) => ({
    oomKillsAt: usage.oomKillsAt?.get(s.name) ?? [],
    throttled: usage.throttled?.has(s.name) ?? false,
  }));
}
