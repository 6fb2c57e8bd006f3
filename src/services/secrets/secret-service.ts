import { asc, eq, sql } from "drizzle-orm";
import type { SecretRef } from "../../contracts/automation.js";
import type { Database } from "../../store/database.js";
import { secrets } from "../../store/schema.js";
import type { SecretResolver } from "../runs/automation-job.js";
import type { SecretBox } from "./secret-box.js";

/** Stored secrets (sealed at rest) and environment-variable references, resolved for runs only. */
export class SecretService implements SecretResolver {
  readonly #db: Database;
  readonly #box: SecretBox;
  readonly #env: (name: string) => string | undefined;

  constructor(db: Database, box: SecretBox, env: (name: string) => string | undefined) {
    this.#db = db;
    this.#box = box;
    this.#env = env;
  }

  async put(name: string, value: string): Promise<"created" | "updated"> {
    const ciphertext = this.#box.seal(value, name);
    const [row] = await this.#db
      .insert(secrets)
      .values({ name, ciphertext })
      .onConflictDoUpdate({ target: secrets.name, set: { ciphertext, updatedAt: sql`now()` } })
      .returning({ created: sql<boolean>`xmax = 0` });
    return row?.created ? "created" : "updated";
  }

  /** Names and dates, never values. */
  list(): Promise<{ name: string; createdAt: Date; updatedAt: Date }[]> {
    return this.#db
      .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
      .from(secrets)
      .orderBy(asc(secrets.name));
  }

  async delete(name: string): Promise<boolean> {
    return (
      (await this.#db.delete(secrets).where(eq(secrets.name, name)).returning({ name: secrets.name }))
        .length > 0
    );
  }

  async resolve(ref: SecretRef): Promise<string> {
    if ("env" in ref) {
      const value = this.#env(ref.env);
      if (!value) throw new Error(`the environment variable ${ref.env} is not set on the server`);
      return value;
    }
    const [row] = await this.#db.select().from(secrets).where(eq(secrets.name, ref.secret));
    if (!row) throw new Error(`no stored secret named ${ref.secret}`);
    return this.#box.open(row.ciphertext, ref.secret);
  }
}
