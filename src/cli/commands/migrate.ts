import { join } from "node:path";
import type { Config } from "../../config/config.js";
import { openStore } from "../../store/database.js";
import { EXIT } from "../exit-codes.js";
import type { CommandIo } from "./run.js";

/** `aurea migrate`: applies the store's pending migrations (`aurea serve` also does at start). */
export async function migrateCommand(config: Readonly<Config>, io: CommandIo): Promise<number> {
  const store = await openStore({
    databaseUrl: config.store.databaseUrl,
    dataDir: join(config.store.dataDir, "pglite"),
    poolSize: 1,
  });
  try {
    await store.migrate();
    const where =
      store.driver === "postgres" ? "PostgreSQL (DATABASE_URL)" : `PGlite in ${config.store.dataDir}`;
    io.stdout.write(`migrations applied: ${where} is up to date\n`);
    return EXIT.OK;
  } catch (error) {
    io.stderr.write(`aurea migrate: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.ERROR;
  } finally {
    await store.close();
  }
}
