import type { UsageSeries } from "../../rightsizing/series.js";

/** At most this many points go to a chart: more than a screen is wide, far fewer than 14 days of samples. */
const MAX_BUCKETS = 2000;

export interface UsageBuckets {
  startMs: number;
  stepMs: number;
  /** Mean of each bucket's samples; null when it has none. */
  values: (number | null)[];
  /** Highest sample of each bucket; null when it has none. */
  peaks: (number | null)[];
}

/**
 * A series in consecutive buckets of whole grid cells, as few cells per bucket as keep the
 * count at or under `maxBuckets`: the mean shows the level, the peak what a request must cover.
 */
export function usageBuckets(series: UsageSeries, maxBuckets = MAX_BUCKETS): UsageBuckets {
  const n = series.values.length;
  const width = Math.max(1, Math.ceil(n / maxBuckets));
  const values: (number | null)[] = [];
  const peaks: (number | null)[] = [];
  for (let start = 0; start < n; start += width) {
    let sum = 0;
    let count = 0;
    let peak = Number.NEGATIVE_INFINITY;
    for (let i = start; i < Math.min(n, start + width); i++) {
      const v = series.values[i] as number;
      if (!Number.isFinite(v)) continue;
      sum += v;
      count++;
      if (v > peak) peak = v;
    }
    values.push(count ? sum / count : null);
    peaks.push(count ? peak : null);
  }
  return { startMs: series.startMs, stepMs: series.stepMs * width, values, peaks };
}
