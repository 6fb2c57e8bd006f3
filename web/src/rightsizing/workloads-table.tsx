import type { RecommendationView, WorkloadEntry } from "../api/types.js";
import { percent } from "../format.js";
import { significant } from "./quantity.js";

type Replicas = NonNullable<WorkloadEntry["replicas"]>;

const unitOf = (r: Replicas) => (r.unit === "cores" ? "cores" : "req/s");
const figure = (value: number, r: Replicas) => `${significant(value)} ${unitOf(r)}`;

/** Replicas now → recommended; with an HPA its recommended bounds instead of a count. */
function ReplicaCount({ w }: { w: WorkloadEntry }) {
  const r = w.replicas;
  const now = r?.current ?? null;
  if (w.hpa)
    return (
      <span data-field="hpa-recommended">
        HPA {w.hpa.current.min_replicas}–{w.hpa.current.max_replicas} → {w.hpa.recommended.min_replicas}–
        {w.hpa.recommended.max_replicas}
      </span>
    );
  return (
    <span data-field="recommended" data-value={r?.recommended ?? ""}>
      {now === null ? "–" : now} → {r?.recommended ?? "–"}
    </span>
  );
}

function Basis({ r }: { r: Replicas }) {
  if (r.basis === "request_rate") return <>request rate (forecast peak)</>;
  return <>CPU of all replicas{r.binding_container ? ` (${r.binding_container} decides)` : ""}</>;
}

function Hpa({ w }: { w: WorkloadEntry }) {
  if (!w.hpa_checked) return <span className="muted">not known (no cluster read)</span>;
  if (!w.hpa) return <>none</>;
  const cpu = w.hpa.recommended.cpu_utilization;
  return (
    <>
      {w.hpa.name}
      {cpu === null ? "" : `, CPU target ${cpu} %`} — {w.hpa.reason}
    </>
  );
}

/**
 * A recommendation's replicas per workload (`report.workloads`): the count now and recommended,
 * what it was derived from, the peak demand and a replica's capacity at the target utilisation,
 * and the HPA when a cluster was read. A CSV names no workloads, which is said instead.
 */
export function WorkloadsTable({ rec }: { rec: RecommendationView }) {
  const report = rec.report;
  if (!report) return null;
  if (rec.source?.kind !== "prometheus")
    return (
      <p className="muted" data-testid="rs-no-workloads">
        Replicas: a CSV source names no workloads, so only CPU and memory are recommended per series (replicas
        come from a Prometheus source).
      </p>
    );
  const capacityNote =
    rec.options.capacity_status === "lower_bound"
      ? `The capacity per replica is a lower bound (experiment #${rec.options.experiment_id}'s SLO never failed): the replicas are an upper bound.`
      : null;
  return (
    <section className="panel" aria-labelledby="rs-workloads-heading" data-testid="rs-workloads">
      <h2 id="rs-workloads-heading">Workloads</h2>
      {report.workloads.length === 0 ? (
        <p className="muted">
          No container of this recommendation got a CPU request, so no workload has replicas.
        </p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Replicas per workload</caption>
            <thead>
              <tr>
                <th scope="col">Workload</th>
                <th scope="col">Replicas now → recommended</th>
                <th scope="col">Derived from</th>
                <th scope="col" className="num">
                  Peak demand
                </th>
                <th scope="col" className="num">
                  Capacity per replica
                </th>
                <th scope="col">HPA</th>
              </tr>
            </thead>
            <tbody>
              {report.workloads.map((w) => {
                const r = w.replicas;
                return (
                  <tr key={`${w.kind}/${w.namespace}/${w.name}`} data-workload={w.name}>
                    <td data-label="Workload">
                      {w.kind} {w.namespace}/{w.name}
                    </td>
                    {r ? (
                      <>
                        <td data-label="Replicas now → recommended">
                          <ReplicaCount w={w} />
                        </td>
                        <td data-label="Derived from" data-field="basis" data-value={r.basis}>
                          <Basis r={r} />
                        </td>
                        <td
                          data-label="Peak demand"
                          className="num"
                          data-field="demand"
                          data-value={r.demand}
                        >
                          {figure(r.demand, r)}
                        </td>
                        <td
                          data-label="Capacity per replica"
                          className="num"
                          data-field="capacity"
                          data-value={r.capacity_per_replica}
                        >
                          {figure(r.capacity_per_replica, r)} at {percent(r.target_utilization, 0)}
                        </td>
                      </>
                    ) : (
                      <td colSpan={4} data-label="Replicas" data-field="replicas_error">
                        No replica recommendation: {w.replicas_error}
                      </td>
                    )}
                    <td data-label="HPA" data-field="hpa">
                      <Hpa w={w} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {capacityNote && <p className="muted">{capacityNote}</p>}
    </section>
  );
}
