import { useMemo } from "react";
import type uPlot from "uplot";
import type { ExperimentStepView } from "../api/types.js";
import { axis, fromZero, line, WHOLE_STEPS } from "../charts/axes.js";
import { UplotChart } from "../charts/uplot-chart.js";
import { ms, rate } from "../format.js";

/** The latency thresholds of the SLO (`p95<300ms` → 300 at p95), from a measured step. */
function latencySlo(steps: readonly ExperimentStepView[]): { label: string; ms: number } | null {
  for (const step of steps)
    for (const verdict of step.measurements?.slo ?? [])
      if (/^p\d/.test(verdict.expression))
        return { label: `SLO ${verdict.expression}`, ms: verdict.threshold };
  return null;
}

/**
 * Per step, in the order they ran: latency p50/p95/p99 (left axis) and the throughput reached
 * against the load offered (right axis), with the SLO's latency threshold as a line.
 */
export function ExperimentChart({ steps }: { steps: readonly ExperimentStepView[] }) {
  const measured = useMemo(() => steps.filter((s) => s.measurements !== null), [steps]);
  const slo = latencySlo(measured);
  const data = useMemo<uPlot.AlignedData>(() => {
    const m = measured.map((s) => s.measurements!);
    return [
      measured.map((s) => s.step),
      m.map((x) => x.latency_ms.p50),
      m.map((x) => x.latency_ms.p95),
      m.map((x) => x.latency_ms.p99),
      measured.map(() => slo?.ms ?? null),
      measured.map((s) => s.load),
      m.map((x) => x.throughput),
    ];
  }, [measured, slo]);
  if (measured.length === 0) return <p className="muted">No step has been measured yet.</p>;
  return (
    <UplotChart
      label="Latency and throughput per step of the experiment"
      data={data}
      options={(theme) => ({
        scales: { x: { time: false }, y: { range: fromZero() }, rate: { range: fromZero() } },
        axes: [
          axis(theme, (v) => `step ${Math.round(v)}`, { incrs: WHOLE_STEPS }),
          axis(theme, ms, { size: 70 }),
          axis(theme, rate, { scale: "rate", side: 1, grid: { show: false }, size: 60 }),
        ],
        series: [
          { label: "Step", value: (_u, v) => (v === null ? "" : String(v)) },
          line(theme, 0, "p50", { value: (_u, v) => ms(v) }),
          line(theme, 1, "p95", { value: (_u, v) => ms(v) }),
          line(theme, 2, "p99", { value: (_u, v) => ms(v) }),
          {
            label: slo?.label ?? "SLO",
            stroke: theme.bad,
            dash: [6, 4],
            width: 1.5,
            points: { show: false },
            show: slo !== null,
            value: (_u, v) => ms(v),
          },
          line(theme, 3, "offered", {
            scale: "rate",
            stroke: theme.text,
            dash: [3, 3],
            width: 1.5,
            value: (_u, v) => rate(v),
          }),
          line(theme, 3, "throughput", { scale: "rate", width: 2.5, value: (_u, v) => rate(v) }),
        ],
      })}
    />
  );
}
