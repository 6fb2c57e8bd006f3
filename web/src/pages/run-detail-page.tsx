import { Link, useSearchParams } from "wouter";
import { isFinished, useRun, useScenarios } from "../api/queries.js";
import { useRunEvents } from "../api/run-events.js";
import type { TimelinePoint } from "../api/types.js";
import { PageHeader } from "../components/layout.js";
import { Empty, QueryState } from "../components/states.js";
import { StatusBadge } from "../components/status-badge.js";
import { ComparePanel } from "../run-detail/compare-panel.js";
import { LatencyCharts } from "../run-detail/latency-charts.js";
import { LiveProgress } from "../run-detail/live-progress.js";
import { Outcomes } from "../run-detail/outcomes.js";
import { RunActions } from "../run-detail/run-actions.js";
import { RunSummary } from "../run-detail/run-summary.js";
import { Thresholds } from "../run-detail/thresholds.js";
import { TimelineCharts } from "../run-detail/timeline-charts.js";

function JsonBlock({ value, label }: { value: unknown; label: string }) {
  if (value === null || value === undefined) return <p className="muted">None recorded.</p>;
  return (
    <pre className="json" title={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function RunDetailPage({ id }: { id: number }) {
  const run = useRun(id);
  const scenarios = useScenarios();
  const [params] = useSearchParams();
  const compareParam = params.get("compare");
  const status = run.data?.status;
  const unfinished = status !== undefined && !isFinished(status);
  const live = useRunEvents(id, unfinished);

  return (
    <QueryState query={run} label="Loading the run…">
      {(r) => {
        const scenario = scenarios.data?.find((s) => s.id === r.scenario_id);
        const baselineId = scenario?.baseline_run_id ?? null;
        const shownStatus = unfinished && live.status ? live.status : r.status;
        const timeline = unfinished ? live.seconds : ((r.timeline ?? []) as TimelinePoint[]);
        return (
          <>
            <p className="breadcrumbs">
              <Link href="/runs">Runs</Link> / run #{r.id}
            </p>
            <PageHeader title={`Run #${r.id}${r.scenario_name ? ` · ${r.scenario_name}` : ""}`}>
              <span data-testid="run-status">
                <StatusBadge status={shownStatus} passed={r.passed} />
              </span>
              {baselineId === r.id && <span className="badge badge-baseline">baseline</span>}
              <RunActions run={r} baselineId={baselineId} />
            </PageHeader>
            {unfinished && <LiveProgress live={live} />}
            <section className="panel" aria-labelledby="summary-heading">
              <h2 id="summary-heading">Summary</h2>
              <RunSummary run={r} />
            </section>
            <div className="grid-2">
              <section className="panel" aria-labelledby="thresholds-heading">
                <h2 id="thresholds-heading">Thresholds</h2>
                {unfinished ? <p className="muted">Judged when the run finishes.</p> : <Thresholds run={r} />}
              </section>
              <section className="panel" aria-labelledby="outcomes-heading">
                <h2 id="outcomes-heading">Outcomes</h2>
                <Outcomes outcomes={r.outcomes} />
              </section>
            </div>
            {r.histogram ? (
              <LatencyCharts runId={r.id} histogram={r.histogram} />
            ) : (
              !unfinished && <Empty title="No latency measured">This run recorded no timed job.</Empty>
            )}
            <TimelineCharts points={timeline} />
            {isFinished(r.status) && r.histogram && (
              <ComparePanel
                run={r}
                baselineId={baselineId}
                initial={compareParam ? Number(compareParam) : null}
              />
            )}
            <div className="grid-2">
              <section className="panel" aria-labelledby="sample-heading">
                <h2 id="sample-heading">Response sample</h2>
                <JsonBlock value={r.response_sample} label="Response sample" />
              </section>
              <section className="panel" aria-labelledby="environment-heading">
                <h2 id="environment-heading">Environment</h2>
                <JsonBlock value={r.environment} label="Environment" />
              </section>
            </div>
          </>
        );
      }}
    </QueryState>
  );
}
