import type { ReactNode } from "react";
import { Link } from "wouter";
import type { RunView } from "../api/types.js";
import { dollars, ms, percent, seconds, when } from "../format.js";
import { StatusBadge } from "./status-badge.js";

export interface Column {
  key: string;
  label: string;
  cell: (run: RunView) => ReactNode;
  numeric?: boolean;
}

const RUN_COLUMNS: Column[] = [
  { key: "id", label: "Run", cell: (r) => <Link href={`/runs/${r.id}`}>#{r.id}</Link> },
  { key: "status", label: "Status", cell: (r) => <StatusBadge status={r.status} passed={r.passed} /> },
  { key: "scenario", label: "Scenario", cell: (r) => r.scenario_name ?? r.source },
  { key: "duration_s", label: "Duration", cell: (r) => seconds(r.duration_s), numeric: true },
  { key: "p95_ms", label: "p95", cell: (r) => ms(r.latency_ms.p95), numeric: true },
  { key: "success_rate", label: "Success", cell: (r) => percent(r.success_rate), numeric: true },
  { key: "cost", label: "Cost", cell: (r) => dollars(r.cost), numeric: true },
  { key: "started_at", label: "Started", cell: (r) => when(r.started_at ?? r.created_at) },
];

/** Runs as a table; `header` renders a column's heading (the Runs page makes them sort buttons). */
export function RunsTable({
  runs,
  caption,
  header = (c) => c.label,
  sortOf = () => undefined,
}: {
  runs: RunView[];
  caption: string;
  header?: (column: Column) => ReactNode;
  sortOf?: (column: Column) => "ascending" | "descending" | undefined;
}) {
  return (
    <div className="table-wrap">
      <table className="runs">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {RUN_COLUMNS.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? "num" : undefined} aria-sort={sortOf(c)}>
                {header(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-run-id={run.id} data-status={run.status}>
              {RUN_COLUMNS.map((c) => (
                <td key={c.key} className={c.numeric ? "num" : undefined} data-label={c.label}>
                  {c.cell(run)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
