import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { openStore, type Store } from "../../src/store/database.js";

/**
 * The drivers the store's tests run on: PGlite always; PostgreSQL when DATABASE_URL is set
 * (`.ci/run` sets it to the local server). Each store is fresh: an in-memory PGlite, or a new
 * database created on the server and dropped afterwards.
 */
export const DRIVERS: ("pglite" | "postgres")[] = process.env.DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

export interface TestStore {
  store: Store;
  /** PostgreSQL: the database's URL, for processes the test starts. */
  url?: string;
  /** Empties every table and restarts the ids (between tests of one file). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function openTestStore(driver: "pglite" | "postgres"): Promise<TestStore> {
  if (driver === "pglite") {
    const store = await openStore({ dataDir: "memory://" });
    await store.migrate();
    return { store, reset: () => truncate(store), close: () => store.close() };
  }
  const admin = new URL(process.env.DATABASE_URL!);
  const name = `aurea_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const store = await openStore({ databaseUrl: url.toString(), poolSize: 5 });
  await store.migrate();
  return {
    store,
    url: url.toString(),
    reset: () => truncate(store),
    close: async () => {
      await store.close();
      const dropper = new pg.Client({ connectionString: admin.toString() });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

async function truncate(store: Store): Promise<void> {
  await store.db.execute(
    sql`truncate automations, scenarios, schedules, runs, run_shards, run_rollups, secrets, api_keys, usage_collections, usage_chunks, recommendations, experiments, experiment_steps, task_leases restart identity cascade`,
  );
}
