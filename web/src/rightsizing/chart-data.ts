import type uPlot from "uplot";
import type { ResourceEntry, UsageView } from "../api/types.js";

/** The horizontal lines drawn across the chart: Aurea's request and limit, VPA's and KRR's requests. */
export interface Levels {
  request: number;
  limit: number;
  vpa: number | null;
  krr: number | null;
}

/** The order of the chart's series after x; the chart's options and the legend follow it. */
const SERIES = ["mean", "peak", "forecast", "upper", "request", "limit", "vpa", "krr"] as const;
export type SeriesKey = (typeof SERIES)[number];
export const seriesIndex = (key: SeriesKey) => SERIES.indexOf(key) + 1;

/**
 * Usage history (its last `historyMs`, or all of it) and the next 24 h of forecast on one time
 * axis (seconds), with the levels as constant series over the whole span. The forecast is per
 * block (an hour): each value holds from its block's start to the next, so the last block gets
 * an end point of its own.
 */
export function chartData(
  usage: UsageView,
  forecast: ResourceEntry["forecast"],
  levels: Levels,
  historyMs: number | null = null,
) {
  const byTime = new Map<
    number,
    { mean?: number | null; peak?: number | null; point?: number; upper?: number }
  >();
  const at = (t: number) => {
    let row = byTime.get(t);
    if (!row) {
      row = {};
      byTime.set(t, row);
    }
    return row;
  };
  const usageStart = Date.parse(usage.start);
  const usageEnd = usageStart + (usage.values.length - 1) * usage.step_ms;
  const from = historyMs === null ? Number.NEGATIVE_INFINITY : usageEnd - historyMs;
  usage.values.forEach((value, i) => {
    const t = usageStart + i * usage.step_ms;
    if (t < from) return;
    const row = at(t / 1000);
    row.mean = value;
    row.peak = usage.peaks[i] ?? null;
  });
  const forecastStart = Date.parse(forecast.start);
  const blocks = forecast.point.length;
  for (let i = 0; blocks > 0 && i <= blocks; i++) {
    const b = Math.min(i, blocks - 1);
    const row = at((forecastStart + i * forecast.step_ms) / 1000);
    row.point = forecast.point[b]!;
    row.upper = forecast.upper[b]!;
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const rows = times.map((t) => byTime.get(t)!);
  const constant = (value: number | null) => times.map(() => value);
  const data: uPlot.AlignedData = [
    times,
    rows.map((r) => r.mean ?? null),
    rows.map((r) => r.peak ?? null),
    rows.map((r) => r.point ?? null),
    rows.map((r) => r.upper ?? null),
    constant(levels.request),
    constant(levels.limit),
    constant(levels.vpa),
    constant(levels.krr),
  ];
  return data;
}

/** The highest value drawn, so the y axis shows every line (the limit is often far above usage). */
export function highest(data: uPlot.AlignedData): number {
  let top = 0;
  for (const series of data.slice(1))
    for (const v of series) if (typeof v === "number" && Number.isFinite(v) && v > top) top = v;
  return top;
}
