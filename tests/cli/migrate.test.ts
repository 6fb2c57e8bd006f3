import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { closedPort } from "../support/local-server.js";
import { runCli } from "../support/spawn-cli.js";

describe("aurea migrate", () => {
  it("creates the embedded store in AUREA_DATA_DIR and is a no-op the second time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurea-migrate-"));
    const first = await runCli(["migrate"], { AUREA_DATA_DIR: dir });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(EXIT.OK);
    expect(first.stdout).toContain(`PGlite in ${dir} is up to date`);
    const second = await runCli(["migrate"], { AUREA_DATA_DIR: dir });
    expect(second.code).toBe(EXIT.OK);
  });

  it.runIf(process.env.DATABASE_URL)("migrates the PostgreSQL database DATABASE_URL names", async () => {
    // A database of its own on the server DATABASE_URL names, dropped afterwards.
    const admin = process.env.DATABASE_URL!;
    const name = `aurea_test_migrate_${process.pid}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    await client.query(`drop database if exists ${name}`);
    await client.query(`create database ${name}`);
    try {
      const url = new URL(admin);
      url.pathname = `/${name}`;
      const result = await runCli(["migrate"], { DATABASE_URL: url.toString() });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(EXIT.OK);
      expect(result.stdout).toContain("PostgreSQL (DATABASE_URL) is up to date");
      const migrated = new pg.Client({ connectionString: url.toString() });
      await migrated.connect();
      const tables = await migrated.query(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
      );
      await migrated.end();
      expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual([
        "api_keys",
        "automations",
        "experiment_steps",
        "experiments",
        "recommendations",
        "run_rollups",
        "run_shards",
        "runs",
        "scenarios",
        "schedules",
        "secrets",
        "task_leases",
        "usage_chunks",
        "usage_collections",
      ]);
    } finally {
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    }
  });

  it("refuses a DATABASE_URL that is not a postgres URL with a usage error naming it", async () => {
    const result = await runCli(["migrate"], { DATABASE_URL: "mysql://localhost/db" });
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toContain("DATABASE_URL");
  });

  it("reports a database it cannot reach with exit code 1 and no stack trace", async () => {
    const port = await closedPort();
    const result = await runCli(["migrate"], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/none` });
    expect(result.code).toBe(EXIT.ERROR);
    expect(result.stderr).toMatch(/^aurea migrate: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
