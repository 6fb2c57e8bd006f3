import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { type RunningServer, startServer } from "../../src/server/start-server.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { type PostgresServer, postgresBin, startPostgres } from "../support/postgres-server.js";
import { freePort } from "../support/redis.js";
import { requireTools } from "../support/tools.js";

/** How long PostgreSQL stays down (the issue's 30 s; shorter with AUREA_FAULT_OUTAGE_SECONDS). */
const OUTAGE_MS = Number(process.env.AUREA_FAULT_OUTAGE_SECONDS ?? 30) * 1000;
const hasPostgres = (await postgresBin()) !== undefined;

describe.skipIf(!hasPostgres)(
  "a PostgreSQL outage (own server, stopped for 30 s; binaries missing: skipped)",
  () => {
    let db: PostgresServer;
    let aurea: RunningServer;
    let dir: string;

    beforeAll(async () => {
      db = await startPostgres(await freePort());
      dir = await mkdtemp(join(tmpdir(), "aurea-outage-"));
      aurea = await startServer(
        loadConfig({
          PORT: "0",
          LOG_LEVEL: "silent",
          AUREA_DATA_DIR: dir,
          DATABASE_URL: db.url,
          AUREA_DB_POOL_SIZE: "4",
          AUREA_RUN_LEASE_SECONDS: "3",
        }),
        { logger: createLogger({ level: "silent" }) },
      );
    }, 120_000);

    afterAll(async () => {
      await aurea?.close(0);
      await db?.destroy();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it(
      "answers /ready 503 and refuses triggers with 503 meanwhile, recovers without a restart, and loses no accepted trigger",
      async () => {
        const post = async (path: string, body: unknown) => {
          const r = await fetch(`${aurea.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          });
          return { status: r.status, body: (await r.json()) as Record<string, unknown> };
        };
        const automation = await post("/api/v1/automations", {
          name: "a",
          kind: "synthetic",
          config: { duration_ms: 50 },
        });
        const scenario = await post("/api/v1/scenarios", {
          name: "s",
          automation_id: automation.body.id,
          load: { model: "closed", jobs: 10, concurrency: 2 },
        });
        expect(scenario.status).toBe(201);

        const accepted: number[] = [];
        const refused: Record<number, number> = {};
        let triggering = true;
        const load = (async () => {
          while (triggering) {
            const r = await post("/api/v1/runs/trigger", { scenario_id: scenario.body.id }).catch(() => ({
              status: 0,
              body: {} as Record<string, unknown>,
            }));
            if (r.status === 202) accepted.push(r.body.id as number);
            else refused[r.status] = (refused[r.status] ?? 0) + 1;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        })();
        const ready = async () => (await fetch(`${aurea.url}/ready`)).status;

        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(await ready()).toBe(200);
        const beforeOutage = accepted.length;
        await db.stop();
        const downSince = Date.now();
        const readiness: number[] = [];
        while (Date.now() - downSince < OUTAGE_MS) {
          readiness.push(await ready());
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        const duringOutage = accepted.length - beforeOutage;
        await db.start();
        // Back without restarting Aurea.
        const deadline = Date.now() + 30_000;
        while ((await ready()) !== 200) {
          if (Date.now() > deadline) throw new Error("/ready did not come back within 30 s");
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        await new Promise((resolve) => setTimeout(resolve, 1500));
        triggering = false;
        await load;

        // Every run the API accepted is there and finishes: none lost, none stuck.
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        const finishDeadline = Date.now() + 60_000;
        let rows: { id: number; status: string; reason: string | null }[] = [];
        for (;;) {
          rows = (await client.query("select id::int, status, reason from runs order by id")).rows;
          if (rows.every((r) => ["completed", "failed", "cancelled"].includes(r.status))) break;
          if (Date.now() > finishDeadline) break;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        await client.end();
        const stored = new Map(rows.map((r) => [r.id, r]));
        console.info(
          `outage ${OUTAGE_MS / 1000} s: ${accepted.length} triggers accepted (${duringOutage} during the outage), refused ${JSON.stringify(refused)}; ` +
            `runs ${JSON.stringify(countBy(rows.map((r) => `${r.status}${r.reason ? `/${r.reason}` : ""}`)))}; /ready during: ${JSON.stringify(countBy(readiness.map(String)))}`,
        );
        expect(readiness.length).toBeGreaterThan(0);
        expect(readiness.every((status) => status === 503)).toBe(true);
        for (const id of accepted) expect(stored.has(id), `accepted run ${id} is stored`).toBe(true);
        expect(rows.filter((r) => !["completed", "failed", "cancelled"].includes(r.status))).toEqual([]);
        // Refusals are 503s (or the connection refused while the server itself was fine): never a 500.
        expect(Object.keys(refused).filter((status) => status !== "503")).toEqual([]);
        expect(refused[503] ?? 0).toBeGreaterThan(0);
      },
      OUTAGE_MS + 180_000,
    );
  },
);

it.runIf(!hasPostgres && requireTools)("has PostgreSQL's binaries when AUREA_REQUIRE_TOOLS=1", () => {
  expect.fail("initdb/pg_ctl not found under /usr/lib/postgresql");
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
