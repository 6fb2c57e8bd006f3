import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { taskLeases } from "./schema.js";

export type TaskKind = (typeof taskLeases.$inferSelect)["kind"];

/**
 * Leases on background tasks (see `task_leases`). The store's clock decides expiry, so processes
 * on machines whose clocks differ agree on it.
 */
export class TaskLeasesRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Takes the lease for `ttlMs` if no one holds it, its holder let it run out, or `owner`
   * already holds it. True when `owner` holds it now.
   */
  async claim(kind: TaskKind, taskId: number, owner: string, ttlMs: number): Promise<boolean> {
    const until = sql`now() + ${ttlMs} * interval '1 millisecond'`;
    const rows = await this.#db
      .insert(taskLeases)
      .values({ kind, taskId, owner, until })
      .onConflictDoUpdate({
        target: [taskLeases.kind, taskLeases.taskId],
        set: { owner, until },
        setWhere: sql`${taskLeases.until} < now() or ${taskLeases.owner} = ${owner}`,
      })
      .returning({ owner: taskLeases.owner });
    return rows.length === 1;
  }

  /** Extends the lease of the tasks `owner` still holds; answers the ids it no longer holds. */
  async renew(kind: TaskKind, taskIds: readonly number[], owner: string, ttlMs: number): Promise<number[]> {
    if (taskIds.length === 0) return [];
    const held = await this.#db
      .update(taskLeases)
      .set({ until: sql`now() + ${ttlMs} * interval '1 millisecond'` })
      .where(
        and(eq(taskLeases.kind, kind), eq(taskLeases.owner, owner), inArray(taskLeases.taskId, [...taskIds])),
      )
      .returning({ taskId: taskLeases.taskId });
    const kept = new Set(held.map((r) => r.taskId));
    return taskIds.filter((id) => !kept.has(id));
  }

  async release(kind: TaskKind, taskId: number, owner: string): Promise<void> {
    await this.#db
      .delete(taskLeases)
      .where(and(eq(taskLeases.kind, kind), eq(taskLeases.taskId, taskId), eq(taskLeases.owner, owner)));
  }
}
