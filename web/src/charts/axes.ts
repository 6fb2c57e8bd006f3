import uPlot from "uplot";
import type { ChartTheme } from "./theme.js";

/** An axis in the theme's colours, with an optional value formatter. */
export function axis(
  theme: ChartTheme,
  format?: (value: number) => string,
  extra: Partial<uPlot.Axis> = {},
): uPlot.Axis {
  const base: uPlot.Axis = {
    stroke: theme.text,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    ...extra,
  };
  if (format) base.values = (_u, values) => values.map((v) => (v === null ? "" : format(v)));
  return base;
}

export function line(
  theme: ChartTheme,
  index: number,
  label: string,
  extra: Partial<uPlot.Series> = {},
): uPlot.Series {
  // Points are left to uPlot (drawn when the data is sparse: a single bucket still shows), and
  // lines span empty buckets.
  return { label, stroke: theme.series[index % theme.series.length]!, width: 2, spanGaps: true, ...extra };
}

/** Bars for a series (uPlot's bars path builder), sized to the spacing of the x values. */
export function bars(): uPlot.Series.PathBuilder {
  return uPlot.paths.bars!({ size: [0.8, 40] });
}

/** Whole-number steps for axes over counts, indexes and seconds (no repeated "1 s, 1 s" labels). */
export const WHOLE_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600];

/** A scale from 0 (or `min`) to a little above the highest value. */
export const fromZero =
  (min = 0) =>
  (_u: uPlot, _lo: number | null, hi: number | null): uPlot.Range.MinMax => [
    min,
    Math.max(min + 1, (hi ?? 0) * 1.1),
  ];
