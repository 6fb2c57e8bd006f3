import { useQueries } from "@tanstack/react-query";
import { Link } from "wouter";
import { api } from "../api/client.js";
import { keys } from "../api/queries.js";
import type { ComparisonView, RunList, ScenarioView } from "../api/types.js";
import { Empty, Loading } from "../components/states.js";
import { delta } from "../format.js";

/** At most this many scenarios are compared on the dashboard (one request each). */
const MAX_SCENARIOS = 12;

interface Finding {
  scenario: ScenarioView;
  comparison: ComparisonView;
}

/** The latest completed run of a scenario against its pinned baseline, through /runs/:id/compare. */
async function latestAgainstBaseline(scenario: ScenarioView, signal: AbortSignal): Promise<Finding | null> {
  const latest = await api.get<RunList>(
    "/runs",
    { scenario_id: scenario.id, status: "completed", limit: 1 },
    signal,
  );
  const run = latest.items[0];
  if (!run || run.id === scenario.baseline_run_id) return null;
  const comparison = await api.get<ComparisonView>(`/runs/${run.id}/compare`, {}, signal);
  return { scenario, comparison };
}

/**
 * Regressions: for each scenario with a pinned baseline, its latest completed run compared with
 * that baseline (the comparison endpoint's verdict, metric by metric).
 */
export function Regressions({ scenarios }: { scenarios: ScenarioView[] }) {
  const pinned = scenarios.filter((s) => s.baseline_run_id !== null).slice(0, MAX_SCENARIOS);
  const results = useQueries({
    queries: pinned.map((scenario) => ({
      queryKey: [...keys.runs, "regression", scenario.id, scenario.baseline_run_id],
      queryFn: ({ signal }: { signal: AbortSignal }) => latestAgainstBaseline(scenario, signal),
      retry: false,
      refetchInterval: 30_000,
    })),
  });
  if (pinned.length === 0)
    return (
      <Empty title="No baselines pinned">
        <p>Pin a run as its scenario's baseline (on the run's page) to have later runs checked against it.</p>
      </Empty>
    );
  if (results.some((r) => r.isPending)) return <Loading label="Comparing with baselines…" />;
  const findings = results.flatMap((r) => (r.data ? [r.data] : []));
  const regressed = findings.filter((f) => f.comparison.verdict === "regression");
  if (regressed.length === 0)
    return (
      <p className="all-clear">
        No regression: the latest run of {findings.length} scenario{findings.length === 1 ? "" : "s"} with a
        baseline is within the noise of it.
      </p>
    );
  return (
    <ul className="regressions">
      {regressed.map(({ scenario, comparison }) => (
        <li key={scenario.id}>
          <Link href={`/runs/${comparison.run_id}?compare=${comparison.baseline_id}`}>
            <strong>{scenario.name}</strong>: run #{comparison.run_id} vs baseline #{comparison.baseline_id}
          </Link>
          <span className="regression-metrics">
            {comparison.metrics
              .filter((m) => m.verdict === "regression")
              .map((m) => `${m.metric} ${delta(m.delta_pct)}`)
              .join(", ")}
          </span>
        </li>
      ))}
    </ul>
  );
}
