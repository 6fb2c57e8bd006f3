import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { runShards } from "./schema.js";

export type ShardRow = typeof runShards.$inferSelect;

/** The shards of sharded runs: created by the coordinator, claimed and finished by workers. */
export class ShardsRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Shards 0…count−1 of attempt `attempt` of run `runId`, all starting at `startAt` (idempotent). */
  async create(runId: number, attempt: number, count: number, startAt: Date): Promise<void> {
    await this.#db
      .insert(runShards)
      .values(Array.from({ length: count }, (_, shard) => ({ runId, attempt, shard, startAt })))
      .onConflictDoNothing();
  }

  /** pending → running, once; undefined when another worker has it or it is finished. */
  async claim(
    runId: number,
    attempt: number,
    shard: number,
    executor: string,
  ): Promise<ShardRow | undefined> {
    const [row] = await this.#db
      .update(runShards)
      .set({ status: "running", executor, updatedAt: sql`now()` })
      .where(and(shardKey(runId, attempt, shard), eq(runShards.status, "pending")))
      .returning();
    return row;
  }

  async finish(
    runId: number,
    attempt: number,
    shard: number,
    outcome: { status: "completed"; result: Record<string, unknown> } | { status: "failed"; error: string },
  ): Promise<void> {
    await this.#db
      .update(runShards)
      .set({
        status: outcome.status,
        result: outcome.status === "completed" ? outcome.result : null,
        error: outcome.status === "failed" ? outcome.error : null,
        updatedAt: sql`now()`,
      })
      .where(and(shardKey(runId, attempt, shard), eq(runShards.status, "running")));
  }

  list(runId: number, attempt: number): Promise<ShardRow[]> {
    return this.#db
      .select()
      .from(runShards)
      .where(and(eq(runShards.runId, runId), eq(runShards.attempt, attempt)))
      .orderBy(asc(runShards.shard));
  }
}

/** The row of shard `shard` of attempt `attempt` of run `runId`. */
function shardKey(runId: number, attempt: number, shard: number) {
  return and(eq(runShards.runId, runId), eq(runShards.attempt, attempt), eq(runShards.shard, shard));
}
