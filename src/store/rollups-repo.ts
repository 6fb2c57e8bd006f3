import { and, eq, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { addEncodedHistogram, encodeHistogram, latencyHistogram } from "../engine/index.js";
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

/**
 * Folds up to `batch` finished runs that are not in the rollups yet into their hour, day and
 * month rows, and marks them folded, in one transaction. Runs are locked with SKIP LOCKED, so
 * several processes can fold at once without counting a run twice; each rollup row is read and
 * written once per batch however many of the batch's runs it gains. Returns how many it folded.
 */
export async function foldFinishedRuns(db: Database, batch = 2000): Promise<number> {
  return db.transaction(async (tx) => {
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
    const groups = new Map<string, Accumulator>();
    for (const run of rows) {
      const scenarioKey = run.scenarioId ?? 0;
      for (const level of ROLLUP_LEVELS) {
        const bucket = bucketStart(level, run.createdAt);
        const id = `${level}|${scenarioKey}|${bucket.getTime()}`;
        let group = groups.get(id);
        if (!group) groups.set(id, (group = new Accumulator(level, bucket, scenarioKey)));
        group.addRun(run);
      }
    }
    for (const group of groups.values()) await addToRow(tx, group.row());
    await tx
      .update(runs)
      .set({ rolledUp: true })
      .where(
        inArray(
          runs.id,
          rows.map((r) => r.id),
        ),
      );
    return rows.length;
  });
}

/** Adds a batch's sums to one rollup row (created if new), merging the histograms. */
async function addToRow(db: Executor, add: typeof runRollups.$inferInsert): Promise<void> {
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
      completed: sql`${runRollups.completed} + ${add.completed ?? 0}`,
      failed: sql`${runRollups.failed} + ${add.failed ?? 0}`,
      cancelled: sql`${runRollups.cancelled} + ${add.cancelled ?? 0}`,
      passed: sql`${runRollups.passed} + ${add.passed ?? 0}`,
      jobs: sql`${runRollups.jobs} + ${add.jobs ?? 0}`,
      failedJobs: sql`${runRollups.failedJobs} + ${add.failedJobs ?? 0}`,
      cost: sql`${runRollups.cost} + ${add.cost ?? 0}`,
      histogram: mergeEncoded(row?.histogram ?? null, add.histogram ?? null),
    })
    .where(key);
}

/** The sum of two encoded histograms, either of which may be missing. */
function mergeEncoded(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const sum = latencyHistogram();
  addEncodedHistogram(sum, a);
  addEncodedHistogram(sum, b);
  return encodeHistogram(sum);
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
    if (run.histogram !== null) addEncodedHistogram((this.histogram ??= latencyHistogram()), run.histogram);
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
      histogram: this.histogram ? encodeHistogram(this.histogram) : null,
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
