import { and, asc, desc, eq, getTableColumns, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { recommendations, usageChunks, usageCollections } from "./schema.js";

export type CollectionRow = typeof usageCollections.$inferSelect;
export type CollectionStatus = CollectionRow["status"];
export type NewCollection = Pick<
  typeof usageCollections.$inferInsert,
  | "name"
  | "source"
  | "status"
  | "windowStart"
  | "windowEnd"
  | "progress"
  | "metadata"
  | "apiKeyId"
  | "finishedAt"
>;
export type RecommendationRow = typeof recommendations.$inferSelect;
export type RecommendationStatus = RecommendationRow["status"];
export type NewRecommendation = Pick<
  typeof recommendations.$inferInsert,
  "collectionId" | "experimentId" | "options" | "apiKeyId"
>;

/** One stored range chunk of one query. */
export interface ChunkRow {
  query: string;
  chunk: number;
  series: unknown[];
}

/** A page of rows newest first; `after` is the previous page's `next`. */
export interface Page {
  limit: number;
  after?: { value: number; id: number } | undefined;
}

/** A recommendation for lists: without its report, with what its collection says about the source. */
export interface RecommendationSummaryRow extends Omit<RecommendationRow, "result"> {
  /** Distinct series names in the report (recommended or not); null without a report. */
  seriesCount: number | null;
  /** The lowest confidence among the report's recommendations. */
  minConfidence: number | null;
  collection: { name: string; source: Record<string, unknown> } | null;
}

export interface RecommendationWithCollection extends RecommendationRow {
  seriesCount: number | null;
  minConfidence: number | null;
  collection: { name: string; source: Record<string, unknown> } | null;
}

const { result: _result, ...summaryColumns } = getTableColumns(recommendations);
const seriesCount = sql<number | null>`(
  select count(distinct e->>'name')::int
  from jsonb_array_elements(coalesce(${recommendations.result}->'recommendations', '[]'::jsonb)
    || coalesce(${recommendations.result}->'errors', '[]'::jsonb)) e
)`;
const withCount = sql<
  number | null
>`case when ${recommendations.result} is null then null else ${seriesCount} end`;
const minConfidence = sql<number | null>`(
  select min((e->>'confidence')::float8)
  from jsonb_array_elements(coalesce(${recommendations.result}->'recommendations', '[]'::jsonb)) e
)`;

/** Usage collections, their range chunks, and the recommendations made from them. */
export class RightsizingRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async createCollection(values: NewCollection): Promise<CollectionRow> {
    const [row] = await this.#db.insert(usageCollections).values(values).returning();
    return row!;
  }

  async getCollection(id: number): Promise<CollectionRow | undefined> {
    const [row] = await this.#db.select().from(usageCollections).where(eq(usageCollections.id, id));
    return row;
  }

  async listCollections(page: Page): Promise<{ rows: CollectionRow[]; next: Page["after"] }> {
    const rows = await this.#db
      .select()
      .from(usageCollections)
      .where(page.after ? lt(usageCollections.id, page.after.id) : undefined)
      .orderBy(desc(usageCollections.id))
      .limit(page.limit + 1);
    return paged(rows, page.limit);
  }

  /** Collections in one of `statuses`, oldest first (start-up recovery). */
  collectionsIn(statuses: readonly CollectionStatus[]): Promise<CollectionRow[]> {
    return this.#db
      .select()
      .from(usageCollections)
      .where(inArray(usageCollections.status, [...statuses]))
      .orderBy(asc(usageCollections.id));
  }

  /**
   * Takes collection `id` to `collecting` from one of `from` (error cleared); undefined when it
   * is in none of them (complete, or gone).
   */
  async claimCollection(id: number, from: readonly CollectionStatus[]): Promise<CollectionRow | undefined> {
    const [row] = await this.#db
      .update(usageCollections)
      .set({ status: "collecting", error: null, finishedAt: null })
      .where(and(eq(usageCollections.id, id), inArray(usageCollections.status, [...from])))
      .returning();
    return row;
  }

  chunks(collectionId: number): Promise<ChunkRow[]> {
    return this.#db
      .select({ query: usageChunks.query, chunk: usageChunks.chunk, series: usageChunks.series })
      .from(usageChunks)
      .where(eq(usageChunks.collectionId, collectionId))
      .orderBy(asc(usageChunks.query), asc(usageChunks.chunk));
  }

  /**
   * Stores one chunk (a chunk stored already is kept as it was) and sets the collection's
   * `progress.chunksDone` to the number of its chunks stored. Answers that number.
   */
  async saveChunk(collectionId: number, query: string, chunk: number, series: unknown[]): Promise<number> {
    await this.#db.insert(usageChunks).values({ collectionId, query, chunk, series }).onConflictDoNothing();
    const [row] = await this.#db
      .update(usageCollections)
      .set({
        progress: sql`jsonb_set(${usageCollections.progress}, '{chunksDone}', to_jsonb((
          select count(*)::int from ${usageChunks} where ${usageChunks.collectionId} = ${collectionId}
        )))`,
      })
      .where(eq(usageCollections.id, collectionId))
      .returning({ progress: usageCollections.progress });
    return Number(row?.progress.chunksDone ?? 0);
  }

  /**
   * Ends a collection: `complete` or `failed` (with `finished_at`), or `interrupted` (to be
   * resumed). `metadata` is merged into what is stored. Only a collection still collecting.
   */
  async finishCollection(
    id: number,
    status: Exclude<CollectionStatus, "collecting">,
    values: { error?: string | null; metadata?: Record<string, unknown> } = {},
  ): Promise<CollectionRow | undefined> {
    const [row] = await this.#db
      .update(usageCollections)
      .set({
        status,
        error: values.error ?? null,
        finishedAt: status === "interrupted" ? null : sql`now()`,
        ...(values.metadata
          ? { metadata: sql`${usageCollections.metadata} || ${JSON.stringify(values.metadata)}::jsonb` }
          : {}),
      })
      .where(and(eq(usageCollections.id, id), eq(usageCollections.status, "collecting")))
      .returning();
    return row;
  }

  async createRecommendation(values: NewRecommendation): Promise<RecommendationRow> {
    const [row] = await this.#db.insert(recommendations).values(values).returning();
    return row!;
  }

  async getRecommendation(id: number): Promise<RecommendationWithCollection | undefined> {
    const [row] = await this.#db
      .select({
        ...getTableColumns(recommendations),
        seriesCount: withCount,
        minConfidence,
        collectionName: usageCollections.name,
        collectionSource: usageCollections.source,
      })
      .from(recommendations)
      .leftJoin(usageCollections, eq(usageCollections.id, recommendations.collectionId))
      .where(eq(recommendations.id, id));
    return row ? joined(row) : undefined;
  }

  async listRecommendations(page: Page): Promise<{ rows: RecommendationSummaryRow[]; next: Page["after"] }> {
    const rows = await this.#db
      .select({
        ...summaryColumns,
        seriesCount: withCount,
        minConfidence,
        collectionName: usageCollections.name,
        collectionSource: usageCollections.source,
      })
      .from(recommendations)
      .leftJoin(usageCollections, eq(usageCollections.id, recommendations.collectionId))
      .where(page.after ? lt(recommendations.id, page.after.id) : undefined)
      .orderBy(desc(recommendations.id))
      .limit(page.limit + 1);
    const result = paged(rows, page.limit);
    return { rows: result.rows.map(joined), next: result.next };
  }

  /** Recommendations still running, oldest first (start-up recovery). */
  running(): Promise<RecommendationRow[]> {
    return this.#db
      .select()
      .from(recommendations)
      .where(eq(recommendations.status, "running"))
      .orderBy(asc(recommendations.id));
  }

  /** The `limit` latest complete or partial recommendations, oldest of them first. */
  async latestFinished(limit: number): Promise<RecommendationRow[]> {
    const rows = await this.#db
      .select()
      .from(recommendations)
      .where(inArray(recommendations.status, ["complete", "partial"]))
      .orderBy(desc(recommendations.id))
      .limit(limit);
    return rows.reverse();
  }

  /** running → its outcome, once; undefined when it was no longer running. */
  async finishRecommendation(
    id: number,
    values: {
      status: Exclude<RecommendationStatus, "running">;
      result?: Record<string, unknown> | null;
      error?: string | null;
    },
  ): Promise<RecommendationRow | undefined> {
    const [row] = await this.#db
      .update(recommendations)
      .set({
        status: values.status,
        result: values.result ?? null,
        error: values.error ?? null,
        finishedAt: sql`now()`,
      })
      .where(and(eq(recommendations.id, id), eq(recommendations.status, "running")))
      .returning();
    return row;
  }
}

function paged<T extends { id: number }>(rows: T[], limit: number): { rows: T[]; next: Page["after"] } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { rows: pageRows, next: more && last ? { value: last.id, id: last.id } : undefined };
}

function joined<
  T extends { collectionName: string | null; collectionSource: Record<string, unknown> | null },
>(
  row: T,
): Omit<T, "collectionName" | "collectionSource"> & {
  collection: { name: string; source: Record<string, unknown> } | null;
} {
  const { collectionName, collectionSource, ...rest } = row;
  return {
    ...rest,
    collection:
      collectionName !== null && collectionSource !== null
        ? { name: collectionName, source: collectionSource }
        : null,
  };
}
