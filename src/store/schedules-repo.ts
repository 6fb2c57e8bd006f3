import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { runs, schedules } from "./schema.js";

export type ScheduleRow = typeof schedules.$inferSelect;
export type NewSchedule = Pick<
  typeof schedules.$inferInsert,
  "scenarioId" | "cron" | "timezone" | "intervalSeconds" | "enabled" | "overlap"
>;

/** A schedule with what its runs say: the latest one, and when one last succeeded. */
export interface ScheduleWithRuns extends ScheduleRow {
  lastRun: { id: number; status: string; createdAt: Date } | null;
  lastSuccessAt: Date | null;
}

export class SchedulesRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(values: NewSchedule): Promise<ScheduleRow> {
    const [row] = await this.#db.insert(schedules).values(values).returning();
    return row!;
  }

  async get(id: number): Promise<ScheduleWithRuns | undefined> {
    const [row] = await this.#withRuns(eq(schedules.id, id));
    return row;
  }

  list(): Promise<ScheduleWithRuns[]> {
    return this.#withRuns(undefined);
  }

  listEnabled(): Promise<ScheduleRow[]> {
    return this.#db.select().from(schedules).where(eq(schedules.enabled, true)).orderBy(asc(schedules.id));
  }

  async update(id: number, values: NewSchedule): Promise<ScheduleRow | undefined> {
    const [row] = await this.#db
      .update(schedules)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(schedules.id, id))
      .returning();
    return row;
  }

  async delete(id: number): Promise<boolean> {
    const rows = await this.#db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id });
    return rows.length > 0;
  }

  /**
   * Takes tick `tick` of schedule `id`: moves `last_fired_at` forward to it, once. Answers the
   * schedule to the one caller that moved it (whatever the number of processes or deliveries),
   * and nothing when the tick was taken already or the schedule is disabled or gone.
   */
  async takeTick(id: number, tick: Date): Promise<ScheduleRow | undefined> {
    const [row] = await this.#db
      .update(schedules)
      .set({ lastFiredAt: tick })
      .where(
        and(
          eq(schedules.id, id),
          eq(schedules.enabled, true),
          or(isNull(schedules.lastFiredAt), lt(schedules.lastFiredAt, tick)),
        ),
      )
      .returning();
    return row;
  }

  async countSkipped(id: number): Promise<void> {
    await this.#db
      .update(schedules)
      .set({ skippedTicks: sql`${schedules.skippedTicks} + 1` })
      .where(eq(schedules.id, id));
  }

  /** Whether a run this schedule fired is still pending or running. */
  async hasActiveRun(id: number): Promise<boolean> {
    const [row] = await this.#db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.scheduleId, id), inArray(runs.status, ["pending", "running"])))
      .limit(1);
    return row !== undefined;
  }

  async #withRuns(where: ReturnType<typeof eq> | undefined): Promise<ScheduleWithRuns[]> {
    const rows = await this.#db.select().from(schedules).where(where).orderBy(asc(schedules.id));
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const latest = await this.#db
      .selectDistinctOn([runs.scheduleId], {
        scheduleId: runs.scheduleId,
        id: runs.id,
        status: runs.status,
        createdAt: runs.createdAt,
      })
      .from(runs)
      .where(inArray(runs.scheduleId, ids))
      .orderBy(runs.scheduleId, desc(runs.createdAt), desc(runs.id));
    const succeeded = await this.#db
      .select({
        scheduleId: runs.scheduleId,
        at: sql<Date>`max(${runs.finishedAt})`.mapWith(runs.finishedAt),
      })
      .from(runs)
      .where(and(inArray(runs.scheduleId, ids), eq(runs.status, "completed"), eq(runs.passed, true)))
      .groupBy(runs.scheduleId);
    const lastRun = new Map(latest.map((r) => [r.scheduleId, r]));
    const lastSuccess = new Map(succeeded.map((r) => [r.scheduleId, r.at]));
    return rows.map((row) => {
      const run = lastRun.get(row.id);
      return {
        ...row,
        lastRun: run ? { id: run.id, status: run.status, createdAt: run.createdAt } : null,
        lastSuccessAt: lastSuccess.get(row.id) ?? null,
      };
    });
  }
}
