import { useEffect, useMemo } from "react";
import { useSearchParams } from "wouter";
import { useDashboard, useScenarios } from "../api/queries.js";
import { LatencyOverTime, SuccessOverTime } from "../charts/kpi-charts.js";
import { KpiCards } from "../components/kpi-cards.js";
import { PageHeader } from "../components/layout.js";
import { RunsTable } from "../components/runs-table.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { StatusBars } from "../components/status-bars.js";
import { Regressions } from "../dashboard/regressions.js";
import { markDashboardRendered } from "../dashboard/render-mark.js";

const WINDOWS = [
  ["24h", "Last 24 hours", 24 * 3600_000],
  ["7d", "Last 7 days", 7 * 86_400_000],
  ["30d", "Last 30 days", 30 * 86_400_000],
  ["90d", "Last 90 days", 90 * 86_400_000],
  ["all", "All time", null],
] as const;

/** The window's start, to the minute (so the query key stays put between renders). */
function windowStart(key: string): string | undefined {
  const span = WINDOWS.find(([k]) => k === key)?.[2];
  if (!span) return undefined;
  const minute = 60_000;
  return new Date(Math.floor((Date.now() - span) / minute) * minute).toISOString();
}

export function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const windowKey = params.get("window") ?? "7d";
  const scenarioParam = params.get("scenario");
  const scenarioId = scenarioParam ? Number(scenarioParam) : undefined;
  const from = useMemo(() => windowStart(windowKey), [windowKey]);
  const kpis = useDashboard({ from, scenario_id: scenarioId });
  const scenarios = useScenarios();
  const set = (key: string, value: string) =>
    setParams((p) => {
      if (value) p.set(key, value);
      else p.delete(key);
      return p;
    });

  useEffect(() => {
    if (kpis.data) markDashboardRendered();
  }, [kpis.data]);

  return (
    <>
      <PageHeader title="Dashboard">
        <label className="inline-field">
          Window
          <select value={windowKey} onChange={(e) => set("window", e.target.value)}>
            {WINDOWS.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          Scenario
          <select value={scenarioParam ?? ""} onChange={(e) => set("scenario", e.target.value)}>
            <option value="">All scenarios</option>
            {(scenarios.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      {kpis.error && !kpis.data ? (
        <ErrorState error={kpis.error} retry={() => void kpis.refetch()} />
      ) : !kpis.data ? (
        <Loading label="Loading KPIs…" />
      ) : kpis.data.total_runs === 0 ? (
        <Empty title="No runs in this window">
          <p>Create an automation and a scenario, then trigger a run: its figures show up here.</p>
        </Empty>
      ) : (
        <div className="dashboard" data-testid="dashboard-ready">
          <KpiCards kpis={kpis.data} />
          <div className="grid-2">
            <section className="panel" aria-labelledby="latency-heading">
              <h2 id="latency-heading">Latency percentiles</h2>
              <LatencyOverTime series={kpis.data.series} />
            </section>
            <section className="panel" aria-labelledby="success-heading">
              <h2 id="success-heading">Success rate and runs</h2>
              <SuccessOverTime series={kpis.data.series} />
            </section>
          </div>
          <div className="grid-2">
            <section className="panel" aria-labelledby="status-heading">
              <h2 id="status-heading">Runs per status</h2>
              <StatusBars byStatus={kpis.data.runs_by_status} />
            </section>
            <section className="panel" aria-labelledby="regressions-heading">
              <h2 id="regressions-heading">Regressions</h2>
              {scenarios.data ? <Regressions scenarios={scenarios.data} /> : <Loading />}
            </section>
          </div>
          <section className="panel" aria-labelledby="recent-heading">
            <h2 id="recent-heading">Recent runs</h2>
            <RunsTable runs={kpis.data.recent_runs} caption="Recent runs" />
          </section>
        </div>
      )}
    </>
  );
}
