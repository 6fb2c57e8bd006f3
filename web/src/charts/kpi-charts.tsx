import { useMemo } from "react";
import type uPlot from "uplot";
import type { DashboardView } from "../api/types.js";
import { ms, percent } from "../format.js";
import { axis, bars, fromZero, line } from "./axes.js";
import { UplotChart } from "./uplot-chart.js";

type Series = DashboardView["series"];

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** The window's buckets with half a bucket of room at either end, so the edge bars show whole. */
function paddedRange(series: Series): uPlot.Range.MinMax {
  const starts = series.points.map((p) => seconds(p.start));
  const first = starts[0] ?? 0;
  const last = starts.at(-1) ?? first;
  const step = starts.length > 1 ? (last - first) / (starts.length - 1) : 3600;
  return [first - step / 2, last + step / 2];
}

/** Latency p50/p95/p99 per bucket of the window (from the merged histograms). */
export function LatencyOverTime({ series }: { series: Series }) {
  const data = useMemo<uPlot.AlignedData>(
    () => [
      series.points.map((p) => seconds(p.start)),
      series.points.map((p) => p.latency_ms.p50),
      series.points.map((p) => p.latency_ms.p95),
      series.points.map((p) => p.latency_ms.p99),
    ],
    [series],
  );
  return (
    <UplotChart
      label={`Latency percentiles per ${series.bucket}`}
      data={data}
      options={(theme) => ({
        axes: [axis(theme), axis(theme, ms, { size: 70 })],
        series: [
          {},
          line(theme, 0, "p50", { value: (_u, v) => ms(v) }),
          line(theme, 1, "p95", { value: (_u, v) => ms(v) }),
          line(theme, 2, "p99", { value: (_u, v) => ms(v) }),
        ],
        scales: { x: { range: paddedRange(series) }, y: { range: fromZero() } },
      })}
    />
  );
}

/** Success rate (line, left axis) and finished runs (bars, right axis) per bucket. */
export function SuccessOverTime({ series }: { series: Series }) {
  const data = useMemo<uPlot.AlignedData>(
    () => [
      series.points.map((p) => seconds(p.start)),
      series.points.map((p) => p.runs),
      series.points.map((p) => (p.success_rate === null ? null : p.success_rate * 100)),
    ],
    [series],
  );
  return (
    <UplotChart
      label={`Success rate and runs per ${series.bucket}`}
      data={data}
      options={(theme) => ({
        axes: [
          axis(theme),
          axis(theme, (v) => `${v.toFixed(0)} %`, { scale: "%", size: 55 }),
          axis(theme, (v) => String(Math.round(v)), { scale: "runs", side: 1, grid: { show: false } }),
        ],
        series: [
          {},
          {
            label: "runs",
            scale: "runs",
            fill: `${theme.series[3]}55`,
            stroke: theme.series[3]!,
            paths: bars(),
            points: { show: false },
          },
          line(theme, 0, "success rate", {
            scale: "%",
            value: (_u, v) => (v === null ? "–" : percent(v / 100)),
          }),
        ],
        scales: { x: { range: paddedRange(series) }, "%": { range: [0, 100] }, runs: { range: fromZero() } },
      })}
    />
  );
}
