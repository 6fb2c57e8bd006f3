import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type uPlot from "uplot";
import { axis, bars, fromZero, line, WHOLE_STEPS } from "../charts/axes.js";
import { latencyDistribution, PERCENTILES } from "../charts/histogram-bins.js";
import { UplotChart } from "../charts/uplot-chart.js";
import { ErrorState, Loading } from "../components/states.js";
import { count, ms } from "../format.js";

/** The latency histogram (jobs per log-spaced latency bin) and the percentile curve of a run. */
export function LatencyCharts({ runId, histogram }: { runId: number; histogram: string }) {
  const distribution = useQuery({
    queryKey: ["histogram", runId, histogram.length],
    queryFn: () => latencyDistribution(histogram),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const binData = useMemo<uPlot.AlignedData | null>(() => {
    const d = distribution.data;
    return d ? [d.bins.map((_, i) => i), d.bins.map((b) => b.count)] : null;
  }, [distribution.data]);
  const percentileData = useMemo<uPlot.AlignedData | null>(() => {
    const d = distribution.data;
    return d ? [PERCENTILES.map((_, i) => i), d.percentiles] : null;
  }, [distribution.data]);
  if (distribution.error) return <ErrorState error={distribution.error} />;
  if (distribution.isPending) return <Loading label="Decoding the histogram…" />;
  const d = distribution.data;
  if (!d || !binData || !percentileData) return <p className="muted">No job was timed.</p>;
  const binLabel = (i: number) => (d.bins[Math.round(i)] ? ms(d.bins[Math.round(i)]!.from) : "");
  return (
    <div className="grid-2">
      <section className="panel" aria-labelledby="histogram-heading">
        <h2 id="histogram-heading">Latency histogram</h2>
        <UplotChart
          label="Jobs per latency bin"
          data={binData}
          options={(theme) => ({
            axes: [
              axis(theme, binLabel, { space: 60, incrs: WHOLE_STEPS }),
              axis(theme, (v) => count(v), { size: 60 }),
            ],
            scales: { x: { time: false, range: [-0.5, d.bins.length - 0.5] }, y: { range: fromZero() } },
            series: [
              { value: (_u, v) => (v === null ? "" : `${binLabel(v)}–${ms(d.bins[v]?.to)}`) },
              {
                label: "jobs",
                stroke: theme.series[0]!,
                fill: `${theme.series[0]}88`,
                paths: bars(),
                points: { show: false },
              },
            ],
          })}
        />
      </section>
      <section className="panel" aria-labelledby="percentile-heading">
        <h2 id="percentile-heading">Latency by percentile</h2>
        <UplotChart
          label="Latency at each percentile"
          data={percentileData}
          options={(theme) => ({
            axes: [
              axis(
                theme,
                (i) => (PERCENTILES[Math.round(i)] === undefined ? "" : `p${PERCENTILES[Math.round(i)]}`),
                {
                  space: 40,
                },
              ),
              axis(theme, ms, { size: 70 }),
            ],
            scales: { x: { time: false, range: [-0.3, PERCENTILES.length - 0.7] }, y: { range: fromZero() } },
            series: [
              { value: (_u, v) => (v === null ? "" : `p${PERCENTILES[v]}`) },
              line(theme, 1, "latency", { value: (_u, v) => ms(v), points: { show: true, size: 6 } }),
            ],
          })}
        />
      </section>
    </div>
  );
}
