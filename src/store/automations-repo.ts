import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "./database.js";
import { automations, scenarios } from "./schema.js";

export type AutomationRow = typeof automations.$inferSelect;
export type NewAutomation = Pick<typeof automations.$inferInsert, "name" | "description" | "kind" | "config">;

export class AutomationsRepo {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(values: NewAutomation): Promise<AutomationRow> {
    const [row] = await this.#db.insert(automations).values(values).returning();
    return row!;
  }

  async get(id: number): Promise<AutomationRow | undefined> {
    const [row] = await this.#db.select().from(automations).where(eq(automations.id, id));
    return row;
  }

  list(): Promise<AutomationRow[]> {
    return this.#db.select().from(automations).orderBy(asc(automations.id));
  }

  async update(id: number, values: NewAutomation): Promise<AutomationRow | undefined> {
    const [row] = await this.#db
      .update(automations)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(automations.id, id))
      .returning();
    return row;
  }

  /** Scenarios that use automation `id`. */
  async usedBy(id: number): Promise<number[]> {
    const rows = await this.#db
      .select({ id: scenarios.id })
      .from(scenarios)
      .where(eq(scenarios.automationId, id))
      .orderBy(asc(scenarios.id));
    return rows.map((r) => r.id);
  }

  /** Scenarios of automation `id` whose inputs lack one of `names` (its template placeholders). */
  async usersMissingInputs(id: number, names: readonly string[]): Promise<number[]> {
    if (names.length === 0) return [];
    const rows = await this.#db
      .select({ id: scenarios.id })
      .from(scenarios)
      .where(
        and(
          eq(scenarios.automationId, id),
          sql`not (${scenarios.inputs} ?& array[${sql.join(
            names.map((name) => sql`${name}`),
            sql`, `,
          )}]::text[])`,
        ),
      )
      .orderBy(asc(scenarios.id));
    return rows.map((r) => r.id);
  }

  /** Deletes it (and, with `cascade`, its scenarios); false when there was none. */
  async delete(id: number, { cascade = false } = {}): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      if (cascade) await tx.delete(scenarios).where(eq(scenarios.automationId, id));
      const deleted = await tx
        .delete(automations)
        .where(eq(automations.id, id))
        .returning({ id: automations.id });
      return deleted.length > 0;
    });
  }
}
