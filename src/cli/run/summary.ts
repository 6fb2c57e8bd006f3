import type { RunResult, WorkloadSpec } from "../../engine/index.js";
import { dollars, integer, latency, percent, rate } from "./format.js";

/** The end-of-run report, as a table for people. */
export function summaryTable(spec: WorkloadSpec, result: RunResult): string {
  const c = result.counts;
  const l = result.latency_ms;
  const lines: string[] = [];
  lines.push(`aurea run — ${describe(spec)}${result.cancelled ? " (interrupted)" : ""}`, "");
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(12)}${value}`);
  row("jobs", `${integer(c.total)} total   ${integer(c.completed)} completed   ${integer(c.failed)} failed`);
  row("throughput", `${rate(result.throughput)} jobs/s`);
  row("duration", latency(result.duration_s * 1000));
  row(
    "latency",
    `mean ${latency(l.mean)}  p50 ${latency(l.p50)}  p90 ${latency(l.p90)}  p95 ${latency(l.p95)}  ` +
      `p99 ${latency(l.p99)}  p99.9 ${latency(l.p999)}  min ${latency(l.min)}  max ${latency(l.max)}`,
  );
  if (spec.load.model !== "closed" && !(spec.load.model === "stages" && spec.load.target === "concurrency")) {
    row("late starts", `${integer(c.late_starts)}  (max start lag ${latency(result.start_lag_ms.max)})`);
  }
  row("cost", `${dollars(result.cost.total)}  (${dollars(result.cost.per_job)} per job)`);
  const failures = Object.entries(c.failures).sort((a, b) => b[1] - a[1]);
  if (failures.length > 0) {
    row(
      "failures",
      failures.map(([reason, n]) => `${reason} ${integer(n)} (${percent(n / c.total)})`).join(", "),
    );
  }
  result.thresholds.forEach((t, i) => {
    const actual =
      t.actual === null
        ? "no data"
        : t.metric.endsWith("rate")
          ? percent(t.actual)
          : t.metric.startsWith("p") || ["mean", "avg", "min", "max", "med"].includes(t.metric)
            ? latency(t.actual)
            : rate(t.actual);
    row(i === 0 ? "thresholds" : "", `${t.pass ? "✓" : "✗"} ${t.expression}  (${actual})`);
  });
  return `${lines.join("\n")}\n`;
}

function describe(spec: WorkloadSpec): string {
  const target =
    spec.job.kind === "http"
      ? `${spec.job.method} ${spec.job.url}`
      : `synthetic ${spec.job.duration_ms} ms ${spec.job.distribution} (${spec.job.mode})`;
  const load = spec.load;
  const model = (() => {
    switch (load.model) {
      case "closed":
        return `closed: ${load.jobs !== undefined ? `${integer(load.jobs)} jobs` : "jobs until time is up"} at concurrency ${integer(load.concurrency ?? load.jobs ?? 1)}${load.duration !== undefined ? `, ${latency(load.duration)}` : ""}`;
      case "open":
        return `open: ${rate(load.rate)} jobs/s for ${latency(load.duration)}`;
      case "stages":
        return `stages (${load.target}): ${load.stages.map((s) => `${latency(s.duration)}→${s.target}`).join(", ")}`;
    }
  })();
  return `${target}, ${model}${spec.threads > 1 ? `, ${spec.threads} threads` : ""}`;
}
