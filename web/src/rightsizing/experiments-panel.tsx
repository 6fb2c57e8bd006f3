import { Link } from "wouter";
import { useExperiment, useExperimentList } from "../api/queries.js";
import type { ExperimentStatus, ExperimentStepView, ExperimentView } from "../api/types.js";
import { Pager, useCursorPages } from "../components/pager.js";
import { Empty, ErrorState, Loading } from "../components/states.js";
import { count, ms, percent, rate, when } from "../format.js";
import { ExperimentChart } from "./experiment-chart.js";
import { useCancelExperiment } from "./experiment-mutations.js";
import { quantity, significant } from "./quantity.js";

const BADGE: Record<ExperimentStatus, string> = {
  pending: "badge-pending",
  running: "badge-running",
  complete: "badge-completed",
  failed: "badge-failed",
  interrupted: "badge-cancelled",
  cancelled: "badge-cancelled",
};

function ExperimentBadge({ status }: { status: ExperimentStatus }) {
  return <span className={`badge ${BADGE[status]}`}>{status}</span>;
}

const capacity = (e: ExperimentView) =>
  e.result?.capacity_per_replica == null ? "–" : `${rate(e.result.capacity_per_replica)} per replica`;

/** Load experiments, newest first; each links to its steps. */
export function ExperimentList({ selected }: { selected: number | undefined }) {
  const pages = useCursorPages();
  const list = useExperimentList(pages.cursor);
  if (list.error && !list.data) return <ErrorState error={list.error} retry={() => void list.refetch()} />;
  if (!list.data) return <Loading label="Loading experiments…" />;
  if (list.data.items.length === 0 && pages.number === 1)
    return (
      <Empty title="No load experiments yet">
        <p>
          Start one here, with <code>aurea experiment</code> or <code>POST /api/v1/experiments</code>: stepped
          load against a target, its capacity per replica at a latency SLO.
        </p>
      </Empty>
    );
  const next = list.data.next_cursor;
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Load experiments</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col" className="num">
                Steps
              </th>
              <th scope="col" className="num">
                Capacity at the SLO
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((e) => (
              <tr key={e.id} data-experiment-id={e.id} aria-current={e.id === selected ? "true" : undefined}>
                <td data-label="Name">
                  <Link href={`/rightsizing/experiments/${e.id}`}>{e.name}</Link>
                </td>
                <td data-label="Status">
                  <ExperimentBadge status={e.status} />
                </td>
                <td data-label="Created">{when(e.created_at)}</td>
                <td data-label="Steps" className="num">
                  {e.result ? `${e.result.steps_complete} of ${e.result.steps_planned}` : "–"}
                </td>
                <td data-label="Capacity at the SLO" className="num">
                  {capacity(e)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(pages.number > 1 || next) && <Pager pages={pages} next={next} label="Experiment pages" />}
    </>
  );
}

function StepsTable({ steps }: { steps: readonly ExperimentStepView[] }) {
  return (
    <div className="table-wrap">
      <table data-testid="experiment-steps">
        <caption className="visually-hidden">Steps: load, throughput, latency, errors and resources</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col" className="num">
              Replicas
            </th>
            <th scope="col" className="num">
              Offered
            </th>
            <th scope="col" className="num">
              Throughput
            </th>
            <th scope="col" className="num">
              Errors
            </th>
            <th scope="col" className="num">
              p50
            </th>
            <th scope="col" className="num">
              p95
            </th>
            <th scope="col" className="num">
              p99
            </th>
            <th scope="col" className="num">
              CPU / replica
            </th>
            <th scope="col" className="num">
              Memory / replica
            </th>
            <th scope="col">SLO</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => {
            const m = s.measurements;
            return (
              <tr key={s.step} data-step={s.step}>
                <td data-label="Step">
                  {s.run_id !== null ? <Link href={`/runs/${s.run_id}`}>{s.step}</Link> : s.step}
                </td>
                <td data-label="Replicas" className="num">
                  {count(s.replicas)}
                </td>
                <td data-label="Offered" className="num">
                  {rate(s.load)}
                </td>
                <td data-label="Throughput" className="num">
                  {rate(m?.throughput)}
                </td>
                <td data-label="Errors" className="num">
                  {percent(m?.error_rate)}
                </td>
                <td data-label="p50" className="num">
                  {ms(m?.latency_ms.p50)}
                </td>
                <td data-label="p95" className="num">
                  {ms(m?.latency_ms.p95)}
                </td>
                <td data-label="p99" className="num">
                  {ms(m?.latency_ms.p99)}
                </td>
                <td data-label="CPU / replica" className="num">
                  {quantity(m?.cpu_cores?.avg, "cpu", "cores")}
                </td>
                <td data-label="Memory / replica" className="num">
                  {quantity(m?.memory_bytes?.avg, "memory", "")}
                </td>
                <td data-label="SLO">
                  {s.status === "running" ? (
                    <span className="badge badge-running">running</span>
                  ) : m ? (
                    <span className={`badge ${m.slo_passed ? "badge-completed" : "badge-failed"}`}>
                      {m.slo_passed ? "held" : "missed"}
                    </span>
                  ) : (
                    <span className="badge badge-failed">{s.status}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Cancel while pending or running: a pending one ends at once, a running one within a second. */
function CancelExperiment({ experiment }: { experiment: ExperimentView }) {
  const cancel = useCancelExperiment();
  if (experiment.status !== "pending" && experiment.status !== "running") return null;
  return (
    <div className="actions">
      <button
        type="button"
        className="danger"
        disabled={cancel.isPending}
        onClick={() => cancel.mutate(experiment.id)}
      >
        {cancel.isPending ? "Cancelling…" : "Cancel experiment"}
      </button>
      {cancel.error && (
        <span className="form-errors" role="alert">
          {cancel.error.message}
        </span>
      )}
    </div>
  );
}

/**
 * An experiment: its verdict (capacity per replica at the SLO) and every step, live while it
 * runs; cancellable by a key that may write.
 */
export function ExperimentDetail({ id, canWrite = false }: { id: number; canWrite?: boolean }) {
  const query = useExperiment(id);
  if (query.error && !query.data)
    return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  if (!query.data) return <Loading label="Loading the experiment…" />;
  const e = query.data;
  const steps = e.steps ?? [];
  const r = e.result;
  const facts: [string, string][] = [
    ["Created", when(e.created_at)],
    ["Started", when(e.started_at)],
    ["Finished", when(e.finished_at)],
    ["Capacity at the SLO", capacity(e)],
    ["Capacity status", r ? r.status.replaceAll("_", " ") : "–"],
    ["SLO", r ? r.slo.join(", ") : "–"],
  ];
  if (r?.cpu_per_load)
    facts.push([
      "CPU per load",
      `${significant(r.cpu_per_load.intercept, 3)} + ${significant(r.cpu_per_load.slope, 3)} × jobs/s cores`,
    ]);
  return (
    <section className="rs-detail" aria-labelledby="experiment-heading" data-status={e.status}>
      <div className="panel">
        <h2 id="experiment-heading">
          {e.name} <ExperimentBadge status={e.status} />
        </h2>
        <dl className="facts">
          {facts.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        {e.status === "pending" && (
          <p className="muted" data-testid="experiment-waiting">
            Waiting to start: experiments run one at a time, so that none measures another's load.
          </p>
        )}
        {canWrite && <CancelExperiment experiment={e} />}
        {e.error && (
          <div className="state state-error" role="alert">
            <p>
              <strong>Error:</strong> {e.error}
            </p>
          </div>
        )}
      </div>
      <section className="panel" aria-labelledby="experiment-chart-heading">
        <h2 id="experiment-chart-heading">Latency and throughput per step</h2>
        <ExperimentChart steps={steps} />
      </section>
      <section className="panel" aria-labelledby="experiment-steps-heading">
        <h2 id="experiment-steps-heading">Steps</h2>
        {steps.length === 0 ? (
          <p className="muted">No step has started yet.</p>
        ) : (
          <StepsTable steps={steps} />
        )}
      </section>
    </section>
  );
}
