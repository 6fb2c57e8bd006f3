/**
 * The run's latency distribution from its stored HdrHistogram (µs, compressed base64 — the
 * same wire format the server merges). hdr-histogram-js is loaded on demand: only the run page
 * needs it, so the dashboard's first load does not carry it.
 */
import type { JsHistogram } from "hdr-histogram-js";

export interface LatencyDistribution {
  /** Bin lower edges in ms (log-spaced) and the jobs in each. */
  bins: { from: number; to: number; count: number }[];
  /** Latency (ms) at each of PERCENTILES. */
  percentiles: number[];
}

export const PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

const BINS = 30;

export async function latencyDistribution(encoded: string): Promise<LatencyDistribution | null> {
  const hdr = await import("hdr-histogram-js");
  const histogram = hdr.decodeFromCompressedBase64(encoded, 64, false) as JsHistogram;
  if (histogram.totalCount === 0) return null;
  const min = Math.max(1, histogram.minNonZeroValue);
  const max = Math.max(min + 1, histogram.maxValue);
  const ratio = (max / min) ** (1 / BINS);
  const bins = Array.from({ length: BINS }, (_, i) => ({
    from: (min * ratio ** i) / 1000,
    to: (min * ratio ** (i + 1)) / 1000,
    count: 0,
  }));
  const values = histogram.recordedValuesIterator;
  values.reset();
  while (values.hasNext()) {
    const step = values.next();
    const value = Math.max(min, histogram.medianEquivalentValue(step.valueIteratedTo));
    const index = Math.min(BINS - 1, Math.floor(Math.log(value / min) / Math.log(ratio)));
    bins[index]!.count += step.countAtValueIteratedTo;
  }
  const percentiles = PERCENTILES.map((p) => histogram.getValueAtPercentile(p) / 1000);
  histogram.destroy();
  return { bins, percentiles };
}
