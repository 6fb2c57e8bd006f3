import { and, desc, eq, getTableColumns, gte, inArray, lt, not, or, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import type { BucketRange } from "./rollup-buckets.js";
import { type RollupRow, readRollups } from "./rollups-repo.js";
import { filterClauses, type RunFilter, type RunListRow } from "./runs-repo.js";
import { runs, scenarios } from "./schema.js";

/** A finished run as the KPIs count it (the raw edges of a window). */
export interface FinishedRunRow {
  scenarioId: number | null;
  status: string;
  passed: boolean | null;
  totalJobs: number | null;
  failedJobs: number | null;
  cost: number | null;
  histogram: string | null;
}

/** The raw material of the dashboard's KPIs: rollups for whole buckets, runs for the rest. */
export class KpisQuery {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  rollups(ranges: BucketRange[], scenarioId?: number): Promise<RollupRow[]> {
    return readRollups(this.#db, ranges, scenarioId);
  }

  /** Finished runs created in the given ranges (each shorter than an hour). */
  finishedIn(ranges: { from: Date; to: Date }[], scenarioId?: number): Promise<FinishedRunRow[]> {
    if (ranges.length === 0) return Promise.resolve([]);
    return this.#db
      .select({
        scenarioId: runs.scenarioId,
        status: runs.status,
        passed: runs.passed,
        totalJobs: runs.totalJobs,
        failedJobs: runs.failedJobs,
        cost: runs.cost,
        histogram: runs.histogram,
      })
      .from(runs)
      .where(
        and(
          or(...ranges.map((r) => and(gte(runs.createdAt, r.from), lt(runs.createdAt, r.to)))),
          inArray(runs.status, ["completed", "failed", "cancelled"]),
          scenarioId === undefined ? undefined : eq(runs.scenarioId, scenarioId),
        ),
      );
  }

  /**
   * Finished runs created in `[from, to)` — outside the raw `edges`, which `finishedIn` reads —
   * that the aggregator has not folded into the rollups yet (a partial index finds them).
   */
  unfoldedIn(
    window: { from: Date; to: Date },
    edges: { from: Date; to: Date }[],
    scenarioId?: number,
  ): Promise<FinishedRunRow[]> {
    return this.#db
      .select({
        scenarioId: runs.scenarioId,
        status: runs.status,
        passed: runs.passed,
        totalJobs: runs.totalJobs,
        failedJobs: runs.failedJobs,
        cost: runs.cost,
        histogram: runs.histogram,
      })
      .from(runs)
      .where(
        and(
          sql`not ${runs.rolledUp} and ${runs.status} in ('completed', 'failed', 'cancelled')`,
          gte(runs.createdAt, window.from),
          lt(runs.createdAt, window.to),
          ...edges.map((r) => not(and(gte(runs.createdAt, r.from), lt(runs.createdAt, r.to))!)),
          scenarioId === undefined ? undefined : eq(runs.scenarioId, scenarioId),
        ),
      );
  }

  /** Runs waiting or executing now, per scenario and status (few: read live). */
  live(filter: RunFilter): Promise<{ scenarioId: number | null; status: string; runs: number }[]> {
    return this.#db
      .select({
        scenarioId: runs.scenarioId,
        status: runs.status,
        runs: sql<number>`count(*)`.mapWith(Number),
      })
      .from(runs)
      .where(and(...filterClauses({ ...filter, statuses: ["pending", "running"] })))
      .groupBy(runs.scenarioId, runs.status);
  }

  /** Names of scenarios by id: the scenario's, or the last name its runs recorded if it was deleted. */
  async names(ids: number[]): Promise<Map<number, string>> {
    const names = new Map<number, string>();
    if (ids.length === 0) return names;
    for (const row of await this.#db
      .select({ id: scenarios.id, name: scenarios.name })
      .from(scenarios)
      .where(inArray(scenarios.id, ids)))
      names.set(row.id, row.name);
    for (const id of ids.filter((i) => !names.has(i))) {
      const [row] = await this.#db
        .select({ name: runs.scenarioName })
        .from(runs)
        .where(eq(runs.scenarioId, id))
        .orderBy(desc(runs.createdAt))
        .limit(1);
      if (row?.name) names.set(id, row.name);
    }
    return names;
  }

  recent(filter: RunFilter, limit: number): Promise<RunListRow[]> {
    const {
      histogram: _h,
      timeline: _t,
      summary: _s,
      spec: _p,
      rolledUp: _r,
      ...columns
    } = getTableColumns(runs);
    return this.#db
      .select(columns)
      .from(runs)
      .where(and(...filterClauses(filter)))
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .limit(limit);
  }
}
