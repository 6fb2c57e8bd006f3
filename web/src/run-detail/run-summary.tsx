import type { RunView } from "../api/types.js";
import { count, dollars, ms, percent, rate, seconds, when } from "../format.js";

interface Latency {
  mean?: number | null;
  p90?: number | null;
  max?: number | null;
}

/** The run's headline figures. */
export function RunSummary({ run }: { run: RunView }) {
  const latency = ((run.result as { latency_ms?: Latency } | null)?.latency_ms ?? {}) as Latency;
  const items: [string, string][] = [
    ["Scenario", run.scenario_name ?? run.source],
    ["Automation", run.automation_name ?? "–"],
    ["Source", run.source],
    ["Created", when(run.created_at)],
    ["Started", when(run.started_at)],
    ["Finished", when(run.finished_at)],
    ["Duration", seconds(run.duration_s)],
    ["Jobs", count(run.total_jobs)],
    ["Failed jobs", count(run.failed_jobs)],
    ["Success rate", percent(run.success_rate)],
    ["Throughput", rate(run.throughput)],
    ["Mean", ms(latency.mean)],
    ["p50", ms(run.latency_ms.p50)],
    ["p90", ms(latency.p90)],
    ["p95", ms(run.latency_ms.p95)],
    ["p99", ms(run.latency_ms.p99)],
    ["Max", ms(latency.max)],
    ["Cost", dollars(run.cost)],
  ];
  if (run.reason) items.push(["Reason", run.reason]);
  if (run.error) items.push(["Error", run.error]);
  return (
    <dl className="facts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
