import { useSearchParams } from "wouter";
import { apiUrl } from "../api/client.js";
import { useRecommendation } from "../api/queries.js";
import type { RecommendationEntry, RecommendationView } from "../api/types.js";
import { ErrorState, Loading } from "../components/states.js";
import { count, percent, when } from "../format.js";
import { DownloadLink } from "./download-link.js";
import { cpuUnit, quantity, significant } from "./quantity.js";
import { ReportIssues } from "./report-issues.js";
import { SeriesPanel } from "./series-panel.js";
import { describeSource, RecommendationBadge } from "./status.js";
import { WorkloadsTable } from "./workloads-table.js";

function Summary({ rec }: { rec: RecommendationView }) {
  const items: [string, string][] = [
    ["Source", describeSource(rec.source)],
    ["Created", when(rec.created_at)],
    ["Finished", when(rec.finished_at)],
    ["Series", count(rec.series_count)],
  ];
  const o = rec.options;
  if (o.capacity_per_replica !== null)
    items.push([
      "Capacity per replica",
      `${significant(o.capacity_per_replica)} req/s${o.experiment_id === null ? "" : ` (experiment #${o.experiment_id}${o.capacity_status === "lower_bound" ? ", a lower bound" : ""})`}`,
    ]);
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

/** Every series of the report, to pick the one drawn below (the least confident first). */
function SeriesTable({
  series,
  selected,
  unit,
  onSelect,
}: {
  series: RecommendationEntry[];
  selected: string;
  unit: string;
  onSelect: (name: string) => void;
}) {
  return (
    <div className="table-wrap rs-series-table">
      <table>
        <caption className="visually-hidden">Series of this recommendation</caption>
        <thead>
          <tr>
            <th scope="col">Series</th>
            <th scope="col" className="num">
              CPU request
            </th>
            <th scope="col" className="num">
              Memory request
            </th>
            <th scope="col" className="num">
              Confidence
            </th>
          </tr>
        </thead>
        <tbody>
          {series.map((s) => (
            <tr key={s.name} aria-current={s.name === selected ? "true" : undefined}>
              <td data-label="Series">
                <button
                  type="button"
                  className="link-button"
                  aria-pressed={s.name === selected}
                  onClick={() => onSelect(s.name)}
                >
                  {s.name}
                </button>
              </td>
              <td data-label="CPU request" className="num">
                {quantity(s.cpu?.request, "cpu", unit)}
              </td>
              <td data-label="Memory request" className="num">
                {quantity(s.memory?.request, "memory", unit)}
              </td>
              <td data-label="Confidence" className="num">
                {percent(s.confidence, 0)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A recommendation: polled while running, then its series drawn one at a time. */
export function RecommendationDetail({ id }: { id: number }) {
  const query = useRecommendation(id);
  const [params, setParams] = useSearchParams();
  if (query.error && !query.data)
    return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  if (!query.data) return <Loading label="Loading the recommendation…" />;
  const rec = query.data;
  const report = rec.report;
  const unit = cpuUnit(rec.source);
  const series = [...(report?.recommendations ?? [])].sort((a, b) => a.confidence - b.confidence);
  const chosen = series.find((s) => s.name === params.get("series")) ?? series[0];
  const select = (name: string) =>
    setParams((p) => {
      p.set("series", name);
      return p;
    });
  const finished = rec.status !== "running";
  return (
    <section className="rs-detail" aria-labelledby="rs-detail-heading" data-status={rec.status}>
      <div className="panel">
        <div className="rs-detail-head">
          <h2 id="rs-detail-heading">
            {rec.name} <RecommendationBadge status={rec.status} />
          </h2>
          {finished && report && (
            <div className="rs-exports">
              <DownloadLink
                href={apiUrl(`/recommendations/${id}/export.csv`)}
                filename={`recommendation-${id}.csv`}
                label="Export CSV"
              />
              <DownloadLink
                href={apiUrl(`/recommendations/${id}/metadata.json`)}
                filename={`recommendation-${id}.json`}
                label="Metadata JSON"
              />
            </div>
          )}
        </div>
        <Summary rec={rec} />
        {rec.status === "running" && <Loading label="Recommending: collecting, validating, forecasting…" />}
        {rec.error && (
          <div className="state state-error" role="alert" data-testid="rs-error">
            <p>
              <strong>{rec.status === "failed" ? "Failed:" : "Problem:"}</strong> {rec.error}
            </p>
          </div>
        )}
      </div>
      {report && <ReportIssues report={report} />}
      <WorkloadsTable rec={rec} />
      {series.length > 1 && (
        <SeriesTable series={series} selected={chosen?.name ?? ""} unit={unit} onSelect={select} />
      )}
      {chosen && (
        <>
          <h2 className="rs-series-heading">{chosen.name}</h2>
          <SeriesPanel key={chosen.name} id={id} series={chosen} unit={unit} />
        </>
      )}
    </section>
  );
}
