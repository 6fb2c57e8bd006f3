import { and, arrayContains, asc, eq, sql } from "drizzle-orm";
import type { AutomationRow } from "./automations-repo.js";
import type { Database } from "./database.js";
import { automations, scenarios } from "./schema.js";

export type ScenarioRow = typeof scenarios.$inferSelect;
export type NewScenario = Omit<
  typeof scenarios.$inferInsert,
  "id" | "createdAt" | "updatedAt" | "baselineRunId"
>;

export interface ScenarioWithAutomation {
  scenario: ScenarioRow;
  automation: AutomationRow;
}

export interface ScenarioFilter {
  automationId?: number | undefined;
  tag?: string | undefined;
}

export class ScenariosRepo {
  readonly #db: Database;

  /** Prepared once: triggers run it all the time, and building the query costs more than running it. */
  readonly #withAutomation;

  constructor(db: Database) {
    this.#db = db;
    this.#withAutomation = db
      .select({ scenario: scenarios, automation: automations })
      .from(scenarios)
      .innerJoin(automations, eq(automations.id, scenarios.automationId))
      .where(sql`${scenarios.id} = any(${sql.placeholder("ids")}::integer[])`)
      .prepare("aurea_scenarios_with_automation");
  }

  async create(values: NewScenario): Promise<ScenarioRow> {
    const [row] = await this.#db.insert(scenarios).values(values).returning();
    return row!;
  }

  async get(id: number): Promise<ScenarioRow | undefined> {
    const [row] = await this.#db.select().from(scenarios).where(eq(scenarios.id, id));
    return row;
  }

  /** Scenarios `ids` with their automations, in one query (what a batch of triggers needs). */
  async getWithAutomation(ids: readonly number[]): Promise<Map<number, ScenarioWithAutomation>> {
    const rows = await this.#withAutomation.execute({ ids: [...new Set(ids)] });
    return new Map(rows.map((row) => [row.scenario.id, row]));
  }

  list({ automationId, tag }: ScenarioFilter = {}): Promise<ScenarioRow[]> {
    return this.#db
      .select()
      .from(scenarios)
      .where(
        and(
          automationId === undefined ? undefined : eq(scenarios.automationId, automationId),
          tag === undefined ? undefined : arrayContains(scenarios.tags, [tag]),
        ),
      )
      .orderBy(asc(scenarios.id));
  }

  async update(id: number, values: NewScenario): Promise<ScenarioRow | undefined> {
    const [row] = await this.#db
      .update(scenarios)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(scenarios.id, id))
      .returning();
    return row;
  }

  async setBaseline(id: number, runId: number | null): Promise<ScenarioRow | undefined> {
    const [row] = await this.#db
      .update(scenarios)
      .set({ baselineRunId: runId, updatedAt: sql`now()` })
      .where(eq(scenarios.id, id))
      .returning();
    return row;
  }

  async delete(id: number): Promise<boolean> {
    const deleted = await this.#db
      .delete(scenarios)
      .where(eq(scenarios.id, id))
      .returning({ id: scenarios.id });
    return deleted.length > 0;
  }
}
