import { and, eq, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { addEncodedHistogram, addHistogram, encodeHistogram, latencyHistogram } from "../engine/index.js";
import type { Database } from "./database.js";
import { type BucketRange, bucketStart } from "./rollup-buckets.js";
import { ROLLUP_LEVELS, type RollupLevel, runRollups, runs } from "./schema.js";

/** A transaction or the database: rollups are written in the transaction that finishes a run. */
export type Executor = Pick<Database, "select" | "insert" | "update" | "execute">;

export type RollupRow = typeof runRollups.$inferSelect;

/** What a finished run adds to its rollups. */
export interface FinishedRun {
  createdAt: Date;
  scenarioId: number | null;
  status: string;
  passed: boolean | null;
  totalJobs: number | null;
  failedJobs: number | null;
  cost: number | null;
  histogram: string | null;
}

/** Finished statuses: the runs rollups count. */
const FINISHED = ["completed", "failed", "cancelled"] as const;

/** Any number, the same in every process: the advisory lock that lets one process fold at a time. */
const FOLD_LOCK = 7_365_001;

/**
 * Folds up to `batch` finished runs that are not in the rollups yet into their hour, day and
 * month rows, and marks them folded, in one transaction. One process folds at a time (an
 * advisory lock; the others answer 0 at once rather than redo the same histogram merges), and
 * runs are locked with SKIP LOCKED. Each run's histogram is read once, into its hour; days and
 * months are sums of the batch's hours; each rollup row is read and written once per batch.
 * Returns how many runs it folded.
 */
export async function foldFinishedRuns(db: Database, batch = 2000): Promise<number> {
  return db.transaction(async (tx) => {
    // Both drivers answer raw statements with `{ rows }`.
    const lock = (await tx.execute(
      sql`select pg_try_advisory_xact_lock(${FOLD_LOCK}) as locked`,
    )) as unknown as {
      rows: { locked: boolean }[];
    };
    if (!lock.rows[0]?.locked) return 0;
    const rows = await tx
      .select({
        id: runs.id,
        createdAt: runs.createdAt,
        scenarioId: runs.scenarioId,
        status: runs.status,
        passed: runs.passed,
        totalJobs: runs.totalJobs,
        failedJobs: runs.failedJobs,
        cost: runs.cost,
        histogram: runs.histogram,
      })
      .from(runs)
      .where(and(eq(runs.rolledUp, false), inArray(runs.status, [...FINISHED])))
      .orderBy(runs.id)
      .limit(batch)
      .for("update", { skipLocked: true });
    if (rows.length === 0) return 0;
    const hours = new Map<string, Accumulator>();
    for (const run of rows) {
      const scenarioKey = run.scenarioId ?? 0;
      const bucket = bucketStart("hour", run.createdAt);
      const id = `${scenarioKey}|${bucket.getTime()}`;
      let hour = hours.get(id);
      if (!hour) hours.set(id, (hour = new Accumulator("hour", bucket, scenarioKey)));
      hour.addRun(run);
    }
    const groups = [...hours.values()];
    const wider = new Map<string, Accumulator>();
    for (const hour of hours.values()) {
      for (const level of ROLLUP_LEVELS.filter((l) => l !== "hour")) {
        const bucket = bucketStart(level, hour.bucket);
        const id = `${level}|${hour.scenarioKey}|${bucket.getTime()}`;
        let group = wider.get(id);
        if (!group) wider.set(id, (group = new Accumulator(level, bucket, hour.scenarioKey)));
        group.addSums(hour);
      }
    }
    groups.push(...wider.values());
    for (const group of groups) await addToRow(tx, group);
    // One array parameter, not one per run (building thousands of parameters costs Drizzle more
    // CPU than PostgreSQL spends on the update).
    await tx
      .update(runs)
      .set({ rolledUp: true })
      .where(sql`${runs.id} = any(${`{${rows.map((r) => r.id).join(",")}}`}::bigint[])`);
    return rows.length;
  });
}

/** Adds a batch's sums to one rollup row (created if new), merging the histograms. */
async function addToRow(db: Executor, add: Accumulator): Promise<void> {
  const key = and(
    eq(runRollups.level, add.level),
    eq(runRollups.scenarioKey, add.scenarioKey),
    eq(runRollups.bucket, add.bucket),
  );
  await db
    .insert(runRollups)
    .values({ level: add.level, bucket: add.bucket, scenarioKey: add.scenarioKey })
    .onConflictDoNothing();
  // The row lock serialises batches folding into the same bucket (their histograms merge).
  const [row] = await db
    .select({ histogram: runRollups.histogram })
    .from(runRollups)
    .where(key)
    .for("update");
  await db
    .update(runRollups)
    .set({
      completed: sql`${runRollups.completed} + ${add.completed}`,
      failed: sql`${runRollups.failed} + ${add.failed}`,
      cancelled: sql`${runRollups.cancelled} + ${add.cancelled}`,
      passed: sql`${runRollups.passed} + ${add.passed}`,
      jobs: sql`${runRollups.jobs} + ${add.jobs}`,
      failedJobs: sql`${runRollups.failedJobs} + ${add.failedJobs}`,
      cost: sql`${runRollups.cost} + ${add.cost}`,
      histogram: add.encodeWith(row?.histogram ?? null),
    })
    .where(key);
}

/** Rollup rows of whole buckets, optionally of one scenario. */
export function readRollups(db: Database, ranges: BucketRange[], scenarioId?: number): Promise<RollupRow[]> {
  if (ranges.length === 0) return Promise.resolve([]);
  const inRanges: SQL[] = ranges.map(
    (r) => and(eq(runRollups.level, r.level), gte(runRollups.bucket, r.from), lt(runRollups.bucket, r.to))!,
  );
  return db
    .select()
    .from(runRollups)
    .where(
      and(or(...inRanges), scenarioId === undefined ? undefined : eq(runRollups.scenarioKey, scenarioId)),
    );
}

/** One rollup row being summed (its histogram decoded once, encoded when the row is written). */
class Accumulator {
  completed = 0;
  failed = 0;
  cancelled = 0;
  passed = 0;
  jobs = 0;
  failedJobs = 0;
  cost = 0;
  histogram: ReturnType<typeof latencyHistogram> | null = null;

  constructor(
    readonly level: RollupLevel,
    readonly bucket: Date,
    readonly scenarioKey: number,
  ) {}

  addRun(run: FinishedRun): void {
    this.completed += run.status === "completed" ? 1 : 0;
    this.failed += run.status === "failed" ? 1 : 0;
    this.cancelled += run.status === "cancelled" ? 1 : 0;
    this.passed += run.passed ? 1 : 0;
    this.jobs += run.totalJobs ?? 0;
    this.failedJobs += run.failedJobs ?? 0;
    this.cost += run.cost ?? 0;
    // Each run is folded once: its payload is not worth remembering.
    if (run.histogram !== null)
      addEncodedHistogram((this.histogram ??= latencyHistogram()), run.histogram, { remember: false });
  }

  /** Adds another accumulator's sums (an hour into its day or month). */
  addSums(other: Accumulator): void {
    this.completed += other.completed;
    this.failed += other.failed;
    this.cancelled += other.cancelled;
    this.passed += other.passed;
    this.jobs += other.jobs;
    this.failedJobs += other.failedJobs;
    this.cost += other.cost;
    if (other.histogram) addHistogram((this.histogram ??= latencyHistogram()), other.histogram);
  }

  /** This histogram plus an encoded one (a stored row's), encoded; null when both are empty. */
  encodeWith(stored: string | null): string | null {
    if (!this.histogram) return stored;
    // The row's encoding is replaced by the one returned.
    if (stored !== null) addEncodedHistogram(this.histogram, stored, { remember: false });
    return encodeHistogram(this.histogram);
  }

  row(): typeof runRollups.$inferInsert {
    return {
      level: this.level,
      bucket: this.bucket,
      scenarioKey: this.scenarioKey,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      passed: this.passed,
      jobs: this.jobs,
      failedJobs: this.failedJobs,
      cost: this.cost,
      histogram: this.encodeWith(null),
    };
  }
}

/**
 * Recomputes every rollup from the runs (after a bulk import, or to repair). Runs are read one
 * scenario and month at a time in creation order, so only the current hour's, day's and month's
 * sums are held: memory stays flat whatever the number of runs.
 */
export async function rebuildRollups(db: Database, batch = 10_000): Promise<void> {
  await db.delete(runRollups);
  // Every run finished by now is counted by this rebuild; runs finishing meanwhile stay unfolded
  // for the aggregator.
  await db
    .update(runs)
    .set({ rolledUp: true })
    .where(inArray(runs.status, [...FINISHED]));
  const key = sql<number>`coalesce(${runs.scenarioId}, 0)`;
  const finished = and(inArray(runs.status, [...FINISHED]), eq(runs.rolledUp, true));
  const slices = await db
    .selectDistinct({
      scenarioKey: key.mapWith(Number),
      month: sql<string>`date_trunc('month', ${runs.createdAt}, 'UTC')`,
    })
    .from(runs)
    .where(finished);
  const pending: (typeof runRollups.$inferInsert)[] = [];
  const write = async (force = false): Promise<void> => {
    if (pending.length === 0 || (!force && pending.length < 500)) return;
    await db.insert(runRollups).values(pending.splice(0));
  };
  for (const slice of slices) {
    const from = bucketStart("month", new Date(slice.month));
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    const open = new Map<RollupLevel, Accumulator>();
    // The position is kept as the database's own text of the timestamp: microseconds matter.
    let after: { at: string; id: number } | undefined;
    for (;;) {
      const rows = await db
        .select({
          id: runs.id,
          createdAt: runs.createdAt,
          at: sql<string>`${runs.createdAt}::text`,
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
            finished,
            sql`${key} = ${slice.scenarioKey}`,
            gte(runs.createdAt, from),
            lt(runs.createdAt, to),
            after
              ? sql`(${runs.createdAt}, ${runs.id}) > (${after.at}::timestamptz, ${after.id})`
              : undefined,
          ),
        )
        .orderBy(runs.createdAt, runs.id)
        .limit(batch);
      for (const run of rows) {
        for (const level of ROLLUP_LEVELS) {
          const bucket = bucketStart(level, run.createdAt);
          let current = open.get(level);
          if (current && current.bucket.getTime() !== bucket.getTime()) {
            pending.push(current.row());
            current = undefined;
          }
          if (!current) open.set(level, (current = new Accumulator(level, bucket, slice.scenarioKey)));
          current.addRun(run);
        }
        await write();
      }
      if (rows.length < batch) break;
      const last = rows.at(-1)!;
      after = { at: last.at, id: last.id };
    }
    for (const current of open.values()) pending.push(current.row());
    await write();
  }
  await write(true);
  // Every run row and every rollup changed: give the planner fresh statistics.
  await db.execute(sql`analyze runs`);
  await db.execute(sql`analyze run_rollups`);
}
