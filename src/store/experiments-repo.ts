import { and, asc, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { experimentSteps, experiments } from "./schema.js";

export type ExperimentRow = typeof experiments.$inferSelect;
export type ExperimentStatus = ExperimentRow["status"];
export type ExperimentStepRow = typeof experimentSteps.$inferSelect;

/** Experiments whose runner has not ended them. */
const UNFINISHED: ExperimentStatus[] = ["pending", "running"];

export interface ExperimentPage {
  limit: number;
  /** Position after which the page starts: creation time (epoch seconds) and id, newest first. */
  after?: { value: number; id: number } | undefined;
  statuses?: readonly ExperimentStatus[] | undefined;
}

/** Load experiments and their steps (one row per load level × replica count). */
export class ExperimentsRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(values: {
    name: string;
    spec: Record<string, unknown>;
    apiKeyId: number | null;
  }): Promise<ExperimentRow> {
    const [row] = await this.#db.insert(experiments).values(values).returning();
    return row!;
  }

  async get(id: number): Promise<ExperimentRow | undefined> {
    const [row] = await this.#db.select().from(experiments).where(eq(experiments.id, id));
    return row;
  }

  /** Newest first, `limit` per page; `next` is the position of the page's last row when more follow. */
  async list({
    limit,
    after,
    statuses,
  }: ExperimentPage): Promise<{ rows: ExperimentRow[]; next: { value: number; id: number } | undefined }> {
    const created = sql`extract(epoch from ${experiments.createdAt})`;
    const cursor: SQL | undefined = after
      ? sql`(${experiments.createdAt}, ${experiments.id}) < (to_timestamp(${after.value}::double precision), ${after.id})`
      : undefined;
    const rows = await this.#db
      .select({ row: experiments, position: sql<number>`${created}`.mapWith(Number) })
      .from(experiments)
      .where(
        and(cursor, statuses && statuses.length > 0 ? inArray(experiments.status, [...statuses]) : undefined),
      )
      .orderBy(desc(experiments.createdAt), desc(experiments.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      rows: page.map((r) => r.row),
      next: rows.length > limit && last ? { value: last.position, id: last.row.id } : undefined,
    };
  }

  steps(experimentId: number): Promise<ExperimentStepRow[]> {
    return this.#db
      .select()
      .from(experimentSteps)
      .where(eq(experimentSteps.experimentId, experimentId))
      .orderBy(asc(experimentSteps.step));
  }

  /** Experiments not ended (pending or running), oldest first: what a restarted process resumes. */
  unfinished(): Promise<ExperimentRow[]> {
    return this.#db
      .select()
      .from(experiments)
      .where(inArray(experiments.status, UNFINISHED))
      .orderBy(asc(experiments.id));
  }

  /**
   * pending → running, once (the process whose update moves it runs it); with `resume` also a
   * running one (left by a process that stopped). Undefined when it has ended or is taken.
   */
  async start(id: number, { resume = false }: { resume?: boolean } = {}): Promise<ExperimentRow | undefined> {
    const [row] = await this.#db
      .update(experiments)
      .set({ status: "running", startedAt: sql`coalesce(${experiments.startedAt}, now())` })
      .where(and(eq(experiments.id, id), inArray(experiments.status, resume ? UNFINISHED : ["pending"])))
      .returning();
    return row;
  }

  /** A step begins, or begins again (a resumed experiment redoes the step it was cut in). */
  async stepStarted(
    experimentId: number,
    step: { step: number; replicas: number; load: number; startedAt: Date },
  ): Promise<void> {
    const values = { status: "running" as const, runId: null, measurements: null, finishedAt: null };
    await this.#db
      .insert(experimentSteps)
      .values({ experimentId, ...step, ...values })
      .onConflictDoUpdate({
        target: [experimentSteps.experimentId, experimentSteps.step],
        set: { ...values, replicas: step.replicas, load: step.load, startedAt: step.startedAt },
      });
  }

  async stepFinished(
    experimentId: number,
    step: number,
    values: {
      status: "complete" | "failed";
      runId: number | null;
      measurements: Record<string, unknown> | null;
      finishedAt: Date;
    },
  ): Promise<void> {
    await this.#db
      .update(experimentSteps)
      .set(values)
      .where(and(eq(experimentSteps.experimentId, experimentId), eq(experimentSteps.step, step)));
  }

  /** The verdict so far, while the experiment runs. */
  async setResult(id: number, result: Record<string, unknown>): Promise<void> {
    await this.#db.update(experiments).set({ result }).where(eq(experiments.id, id));
  }

  /** Ends an unfinished experiment; false when it had ended already (it keeps that end). */
  async finish(
    id: number,
    status: Exclude<ExperimentStatus, "pending" | "running">,
    { result, error = null }: { result?: Record<string, unknown> | undefined; error?: string | null } = {},
  ): Promise<boolean> {
    const rows = await this.#db
      .update(experiments)
      .set({ status, error, finishedAt: sql`now()`, ...(result ? { result } : {}) })
      .where(and(eq(experiments.id, id), inArray(experiments.status, UNFINISHED)))
      .returning({ id: experiments.id });
    return rows.length > 0;
  }
}
