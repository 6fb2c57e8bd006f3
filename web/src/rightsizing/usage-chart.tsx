import { useMemo, useState } from "react";
import uPlot from "uplot";
import type { Resource, ResourceEntry, UsageView } from "../api/types.js";
import { axis, line } from "../charts/axes.js";
import { UplotChart } from "../charts/uplot-chart.js";
import { chartData, highest, type Levels, seriesIndex } from "./chart-data.js";
import { axisQuantity, quantity } from "./quantity.js";

const counted = (values: ArrayLike<number | null | undefined>) => {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (typeof values[i] === "number") n++;
  return n;
};

/**
 * What uPlot drew, on the chart's element: how many usage and forecast points, the y scale and
 * the plot box in canvas pixels. The browser test reads them to find the request line's pixels.
 */
function recordDrawn(u: uPlot) {
  const box = u.root.parentElement;
  if (!box) return;
  box.dataset.usagePoints = String(counted(u.data[seriesIndex("mean")]!));
  box.dataset.forecastPoints = String(counted(u.data[seriesIndex("forecast")]!));
  box.dataset.bandPoints = String(counted(u.data[seriesIndex("upper")]!));
  box.dataset.yMin = String(u.scales.y?.min ?? 0);
  box.dataset.yMax = String(u.scales.y?.max ?? 0);
  box.dataset.plotBox = JSON.stringify(u.bbox);
}

const DAY_MS = 86_400_000;
/** How much history the chart shows before the forecast: the 24 h ahead stay readable. */
const WINDOWS = [
  ["3d", "last 3 days", 3 * DAY_MS],
  ["7d", "last 7 days", 7 * DAY_MS],
  ["all", "all history", null],
] as const;
type WindowKey = (typeof WINDOWS)[number][0];

/**
 * One chart per series and resource: the usage history (mean and peak per bucket), the forecast
 * of the next 24 h with its upper band, and Aurea's request and limit with VPA's and KRR's
 * requests as horizontal lines.
 */
export function UsageChart({
  series,
  resource,
  unit,
  usage,
  entry,
  levels,
}: {
  series: string;
  resource: Resource;
  unit: string;
  usage: UsageView;
  entry: ResourceEntry;
  levels: Levels;
}) {
  const [windowKey, setWindowKey] = useState<WindowKey>("3d");
  const historyMs = WINDOWS.find(([key]) => key === windowKey)?.[2] ?? null;
  const data = useMemo(
    () => chartData(usage, entry.forecast, levels, historyMs),
    [usage, entry, levels, historyMs],
  );
  const top = highest(data);
  const show = (_u: uPlot, v: number | null) => quantity(v, resource, unit);
  const level = { points: { show: false }, value: show };
  return (
    <>
      <label className="inline-field rs-window">
        History shown
        <select value={windowKey} onChange={(e) => setWindowKey(e.target.value as WindowKey)}>
          {WINDOWS.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <UplotChart
        label={`${resource === "cpu" ? "CPU" : "Memory"} usage, forecast and recommendation of ${series}`}
        data={data}
        height={280}
        options={(theme) => ({
          axes: [axis(theme), axis(theme, (v) => axisQuantity(v, resource), { size: 60 })],
          scales: { y: { range: [0, Math.max(top * 1.08, Number.MIN_VALUE)] } },
          series: [
            {},
            line(theme, 0, "usage (mean)", { width: 1.5, spanGaps: false, value: show }),
            line(theme, 0, "usage (peak)", {
              width: 1,
              spanGaps: false,
              stroke: `${theme.series[0]}77`,
              value: show,
            }),
            line(theme, 1, "forecast", {
              paths: uPlot.paths.stepped!({ align: 1 }),
              points: { show: false },
              value: show,
            }),
            line(theme, 1, "forecast upper band", {
              paths: uPlot.paths.stepped!({ align: 1 }),
              width: 1,
              dash: [4, 3],
              points: { show: false },
              value: show,
            }),
            { label: "Aurea request", stroke: theme.good, width: 2, ...level },
            { label: "Aurea limit", stroke: theme.bad, width: 1.5, dash: [8, 4], ...level },
            { label: "VPA request", stroke: theme.series[2]!, width: 1.5, dash: [3, 3], ...level },
            { label: "KRR request", stroke: theme.series[3]!, width: 1.5, dash: [3, 3], ...level },
          ],
          bands: [{ series: [seriesIndex("upper"), seriesIndex("forecast")], fill: `${theme.series[1]}40` }],
          hooks: { draw: [recordDrawn] },
        })}
      />
    </>
  );
}
