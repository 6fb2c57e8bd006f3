import { max, quantile } from "../quantiles.js";
import type { UsageSeries } from "../series.js";

/**
 * Robusta KRR's "simple" strategy (robusta_krr/strategies/simple.py, defaults): CPU request =
 * the 95th percentile of usage over the history (336 h by default: a 14-day series is all of
 * it), no CPU limit; memory request = limit = the maximum + 15 %.
 */
const KRR_DEFAULTS = Object.freeze({
  cpuPercentile: 0.95,
  memoryBuffer: 0.15,
  historyMs: 336 * 3600_000,
});

function recent(series: UsageSeries): Float64Array {
  const keep = Math.ceil(KRR_DEFAULTS.historyMs / series.stepMs);
  return series.values.subarray(Math.max(0, series.values.length - keep));
}

export function krrCpuRequest(series: UsageSeries): number {
  return quantile(recent(series), KRR_DEFAULTS.cpuPercentile);
}

export function krrMemory(series: UsageSeries): number {
  return max(recent(series)) * (1 + KRR_DEFAULTS.memoryBuffer);
}
