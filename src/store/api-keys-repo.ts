import { and, desc, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import type { Scope } from "../contracts/key-scopes.js";
import type { Database } from "./database.js";
import { apiKeys } from "./schema.js";

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export interface NewApiKey {
  name: string;
  prefix: string;
  hash: string;
  scope: Scope;
  expiresAt: Date | null;
  maxConcurrentRuns: number | null;
  maxJobsPerRun: number | null;
}

/** Not revoked and not expired at `now`. */
const usable = (now: Date) =>
  and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)));

export class ApiKeysRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(values: NewApiKey): Promise<ApiKeyRow> {
    const [row] = await this.#db.insert(apiKeys).values(values).returning();
    return row!;
  }

  list(): Promise<ApiKeyRow[]> {
    return this.#db.select().from(apiKeys).orderBy(desc(apiKeys.id));
  }

  async byPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    const [row] = await this.#db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
    return row;
  }

  /** Revokes the key with this id or prefix; the revoked row, or undefined when there is none. */
  async revoke(idOrPrefix: number | string, now: Date): Promise<ApiKeyRow | undefined> {
    const [row] = await this.#db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now.toISOString()}::timestamptz)` })
      .where(typeof idOrPrefix === "number" ? eq(apiKeys.id, idOrPrefix) : eq(apiKeys.prefix, idOrPrefix))
      .returning();
    return row;
  }

  /** How many keys authenticate at `now` (none: the server may run without authentication). */
  async countUsable(now: Date): Promise<number> {
    const [row] = await this.#db.select({ n: sql<number>`count(*)::int` }).from(apiKeys).where(usable(now));
    return row?.n ?? 0;
  }

  async touch(ids: readonly number[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.#db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(inArray(apiKeys.id, [...ids]));
  }
}
