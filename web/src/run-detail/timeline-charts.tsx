import { useMemo } from "react";
import type uPlot from "uplot";
import type { TimelinePoint } from "../api/types.js";
import { axis, bars, fromZero, line, WHOLE_STEPS } from "../charts/axes.js";
import { UplotChart } from "../charts/uplot-chart.js";
import { ms, rate } from "../format.js";

const secondsAxis = (v: number) => `${Math.round(v)} s`;

/** Seconds 0 … the last one, with half a second of room for the bars at either end. */
const xRange = (_u: uPlot, _lo: number | null, hi: number | null): uPlot.Range.MinMax => [
  -0.5,
  Math.max(1, hi ?? 0) + 0.5,
];

/** Per-second throughput and errors, and per-second latency percentiles, of a run. */
export function TimelineCharts({ points }: { points: TimelinePoint[] }) {
  const throughput = useMemo<uPlot.AlignedData>(
    () => [points.map((p) => p.t), points.map((p) => p.throughput), points.map((p) => p.failed)],
    [points],
  );
  const latency = useMemo<uPlot.AlignedData>(
    () => [
      points.map((p) => p.t),
      points.map((p) => p.p50_ms),
      points.map((p) => p.p95_ms),
      points.map((p) => p.p99_ms),
    ],
    [points],
  );
  if (points.length === 0) return <p className="muted">No second of this run has finished yet.</p>;
  return (
    <div className="grid-2">
      <section className="panel" aria-labelledby="throughput-heading">
        <h2 id="throughput-heading">Throughput and errors per second</h2>
        <UplotChart
          label="Jobs finished and failed per second"
          data={throughput}
          options={(theme) => ({
            scales: { x: { time: false, range: xRange }, y: { range: fromZero() } },
            axes: [axis(theme, secondsAxis, { incrs: WHOLE_STEPS }), axis(theme, rate, { size: 60 })],
            series: [
              { value: (_u, v) => (v === null ? "" : secondsAxis(v)) },
              line(theme, 0, "throughput", { value: (_u, v) => rate(v) }),
              {
                label: "failed",
                stroke: theme.bad,
                fill: `${theme.bad}66`,
                paths: bars(),
                points: { show: false },
              },
            ],
          })}
        />
      </section>
      <section className="panel" aria-labelledby="timeline-latency-heading">
        <h2 id="timeline-latency-heading">Latency per second</h2>
        <UplotChart
          label="Latency percentiles per second"
          data={latency}
          options={(theme) => ({
            scales: { x: { time: false, range: xRange }, y: { range: fromZero() } },
            axes: [axis(theme, secondsAxis, { incrs: WHOLE_STEPS }), axis(theme, ms, { size: 70 })],
            series: [
              { value: (_u, v) => (v === null ? "" : secondsAxis(v)) },
              line(theme, 0, "p50", { value: (_u, v) => ms(v) }),
              line(theme, 1, "p95", { value: (_u, v) => ms(v) }),
              line(theme, 2, "p99", { value: (_u, v) => ms(v) }),
            ],
          })}
        />
      </section>
    </div>
  );
}
