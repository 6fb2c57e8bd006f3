import { and, eq, gte, inArray, lt, min, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { type RollupLevel, runRollups, runs } from "./schema.js";

/** One rollup row of one scenario, or a finished run not folded into the rollups yet. */
export interface SeriesSlice {
  /** The rollup's bucket start, or the run's creation time. */
  at: Date;
  completed: number;
  failed: number;
  cancelled: number;
  passed: number;
  cost: number;
  histogram: string | null;
}

/** The raw material of the dashboard's time series: rollups of one level, and runs not rolled up yet. */
export class KpiSeriesQuery {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Rollup rows of `level` whose bucket starts in `[from, to)`, without their histograms. */
  rollupSums(level: RollupLevel, from: Date, to: Date, scenarioId?: number): Promise<SeriesSlice[]> {
    return this.#db
      .select({
        at: runRollups.bucket,
        completed: runRollups.completed,
        failed: runRollups.failed,
        cancelled: runRollups.cancelled,
        passed: runRollups.passed,
        cost: runRollups.cost,
        histogram: sql<null>`null`,
      })
      .from(runRollups)
      .where(this.#rollupsIn(level, from, to, scenarioId));
  }

  /** The histograms of the rollup rows of `level` whose bucket starts at one of `buckets`. */
  async rollupHistograms(
    level: RollupLevel,
    buckets: Date[],
    scenarioId?: number,
  ): Promise<{ at: Date; histogram: string | null }[]> {
    if (buckets.length === 0) return [];
    return this.#db
      .select({ at: runRollups.bucket, histogram: runRollups.histogram })
      .from(runRollups)
      .where(
        and(
          eq(runRollups.level, level),
          inArray(runRollups.bucket, buckets),
          scenarioId === undefined ? undefined : eq(runRollups.scenarioKey, scenarioId),
        ),
      );
  }

  #rollupsIn(level: RollupLevel, from: Date, to: Date, scenarioId?: number) {
    return and(
      eq(runRollups.level, level),
      gte(runRollups.bucket, from),
      lt(runRollups.bucket, to),
      scenarioId === undefined ? undefined : eq(runRollups.scenarioKey, scenarioId),
    );
  }

  /** Finished runs created in `[from, to)` that the aggregator has not folded in yet (a partial index finds them). */
  async unfolded(from: Date, to: Date, scenarioId?: number): Promise<SeriesSlice[]> {
    const rows = await this.#db
      .select({
        at: runs.createdAt,
        status: runs.status,
        passed: runs.passed,
        cost: runs.cost,
        histogram: runs.histogram,
      })
      .from(runs)
      .where(
        and(
          sql`not ${runs.rolledUp} and ${runs.status} in ('completed', 'failed', 'cancelled')`,
          gte(runs.createdAt, from),
          lt(runs.createdAt, to),
          scenarioId === undefined ? undefined : eq(runs.scenarioId, scenarioId),
        ),
      );
    return rows.map((run) => ({
      at: run.at,
      completed: run.status === "completed" ? 1 : 0,
      failed: run.status === "failed" ? 1 : 0,
      cancelled: run.status === "cancelled" ? 1 : 0,
      passed: run.passed ? 1 : 0,
      cost: run.cost ?? 0,
      histogram: run.histogram,
    }));
  }

  /** When the first run (of a scenario) was created: where a window without a start begins. */
  async firstRunAt(scenarioId?: number): Promise<Date | null> {
    const [row] = await this.#db
      .select({ at: min(runs.createdAt) })
      .from(runs)
      .where(scenarioId === undefined ? undefined : eq(runs.scenarioId, scenarioId));
    return row?.at ? new Date(row.at) : null;
  }
}
