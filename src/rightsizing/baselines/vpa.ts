import type { UsageSeries } from "../series.js";
import { DecayingHistogram, VPA_CPU_HISTOGRAM, VPA_MEMORY_HISTOGRAM } from "./exponential-histogram.js";

/** The VPA recommender's defaults (pkg/recommender/logic, model/aggregations_config.go). */
const VPA_DEFAULTS = Object.freeze({
  targetPercentile: 0.9,
  safetyMargin: 0.15,
  halfLifeMs: 24 * 3600_000,
  memoryAggregationIntervalMs: 24 * 3600_000,
});

/**
 * VPA's target for CPU: every sample into a decaying exponential histogram (24 h half-life),
 * then P90 × 1.15. Samples have equal weight: VPA weighs a CPU sample by the container's request
 * at the time, which is constant over a series with one request.
 */
export function vpaCpuTarget(series: UsageSeries): number {
  const histogram = new DecayingHistogram(VPA_CPU_HISTOGRAM, VPA_DEFAULTS.halfLifeMs);
  series.values.forEach((v, i) => {
    if (Number.isFinite(v)) histogram.add(v, 1, series.startMs + i * series.stepMs);
  });
  return histogram.percentile(VPA_DEFAULTS.targetPercentile) * (1 + VPA_DEFAULTS.safetyMargin);
}

/**
 * VPA's target for memory: the peak of each 24 h aggregation interval is one sample (dated at
 * its interval's start, as VPA's aggregate state keeps one peak per interval), then P90 × 1.15.
 * An OOM kill counts as a peak of max(memory at the kill × 1.2, +100 MB), as VPA records it.
 */
export function vpaMemoryTarget(series: UsageSeries, oomKillsAt: readonly number[] = []): number {
  const histogram = new DecayingHistogram(VPA_MEMORY_HISTOGRAM, VPA_DEFAULTS.halfLifeMs);
  const interval = VPA_DEFAULTS.memoryAggregationIntervalMs;
  const peaks = new Map<number, number>();
  const bump = (windowStart: number, v: number) =>
    peaks.set(windowStart, Math.max(peaks.get(windowStart) ?? Number.NEGATIVE_INFINITY, v));
  series.values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const t = series.startMs + i * series.stepMs;
    bump(Math.floor(t / interval) * interval, v);
  });
  for (const t of oomKillsAt) {
    const i = Math.round((t - series.startMs) / series.stepMs);
    const at = series.values[Math.max(0, Math.min(series.values.length - 1, i))] ?? 0;
    const value = Number.isFinite(at) ? at : 0;
    bump(Math.floor(t / interval) * interval, Math.max(value * 1.2, value + 100 * 1024 * 1024));
  }
  for (const [start, peak] of [...peaks].sort((a, b) => a[0] - b[0])) histogram.add(peak, 1, start);
  return histogram.percentile(VPA_DEFAULTS.targetPercentile) * (1 + VPA_DEFAULTS.safetyMargin);
}
