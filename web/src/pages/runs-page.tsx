import { useSearchParams } from "wouter";
import { RUN_SORTS, RUN_STATUSES } from "../../../src/contracts/run-constants.js";
import { type RunFilter, useRunList, useScenarios } from "../api/queries.js";
import type { RunSort, RunStatus } from "../api/types.js";
import { PageHeader } from "../components/layout.js";
import { Pager, useCursorPages } from "../components/pager.js";
import { type Column, RunsTable } from "../components/runs-table.js";
import { Empty, ErrorState, Loading } from "../components/states.js";

const PAGE_SIZES = [25, 50, 100];
const SORT_LABELS: Record<RunSort, string> = {
  created_at: "created",
  started_at: "started",
  duration_s: "duration",
  p95_ms: "p95",
  cost: "cost",
  success_rate: "success",
};
const isSort = (key: string): key is RunSort => (RUN_SORTS as readonly string[]).includes(key);
/** The table's "Started" column sorts by start time, but a pending run has none: sort on creation. */
const sortKey = (column: string): RunSort | null =>
  column === "started_at" ? "created_at" : isSort(column) ? column : null;

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const scenario = params.get("scenario") ?? "";
  const sortParam = params.get("sort") ?? "created_at";
  const sort: RunSort = isSort(sortParam) ? sortParam : "created_at";
  const order = params.get("order") === "asc" ? "asc" : "desc";
  const limit = Number(params.get("limit") ?? 25) || 25;
  const pages = useCursorPages();
  const filter: RunFilter = {
    status: (status || undefined) as RunStatus | undefined,
    scenario_id: scenario ? Number(scenario) : undefined,
    sort,
    order,
    limit,
    cursor: pages.cursor,
  };
  const runs = useRunList(filter);
  const scenarios = useScenarios();
  const update = (changes: Record<string, string>) => {
    pages.reset();
    setParams((p) => {
      for (const [key, value] of Object.entries(changes)) {
        if (value) p.set(key, value);
        else p.delete(key);
      }
      return p;
    });
  };
  const sortBy = (column: Column) => {
    const key = sortKey(column.key);
    if (!key) return column.label;
    const active = key === sort;
    return (
      <button
        type="button"
        className="sort-button"
        onClick={() => update({ sort: key, order: active && order === "desc" ? "asc" : "desc" })}
      >
        {column.label}
        <span aria-hidden="true">{active ? (order === "desc" ? " ▼" : " ▲") : ""}</span>
      </button>
    );
  };

  return (
    <>
      <PageHeader title="Runs">
        <label className="inline-field">
          Status
          <select value={status} onChange={(e) => update({ status: e.target.value })}>
            <option value="">Any status</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          Scenario
          <select value={scenario} onChange={(e) => update({ scenario: e.target.value })}>
            <option value="">All scenarios</option>
            {(scenarios.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        {/* Phones hide the table's headings (rows become cards): sorting moves here. */}
        <label className="inline-field phone-only">
          Sort
          <select
            value={`${sort} ${order}`}
            onChange={(e) => {
              const [key, dir] = e.target.value.split(" ");
              update({ sort: key!, order: dir! });
            }}
          >
            {RUN_SORTS.flatMap((key) =>
              (["desc", "asc"] as const).map((dir) => (
                <option key={`${key} ${dir}`} value={`${key} ${dir}`}>
                  {SORT_LABELS[key]} {dir === "desc" ? "↓" : "↑"}
                </option>
              )),
            )}
          </select>
        </label>
        <label className="inline-field">
          Per page
          <select value={limit} onChange={(e) => update({ limit: e.target.value })}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </PageHeader>
      {runs.error && !runs.data ? (
        <ErrorState error={runs.error} retry={() => void runs.refetch()} />
      ) : !runs.data ? (
        <Loading label="Loading runs…" />
      ) : runs.data.items.length === 0 ? (
        <Empty title={status || scenario ? "No run matches these filters" : "No runs yet"}>
          <p>Trigger a run from a scenario on the Scenarios page.</p>
        </Empty>
      ) : (
        <>
          <RunsTable
            runs={runs.data.items}
            caption="Runs"
            header={sortBy}
            sortOf={(c) =>
              sortKey(c.key) === sort ? (order === "desc" ? "descending" : "ascending") : undefined
            }
          />
          <Pager pages={pages} next={runs.data.next_cursor} label="Pages" showNumber>
            {runs.isFetching && <span className="muted">updating…</span>}
          </Pager>
        </>
      )}
    </>
  );
}
