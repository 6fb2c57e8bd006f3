import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry } from "../../src/telemetry/registry.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../support/redis.js";
import { startServe } from "../support/spawn-cli.js";
import { openTestStore, type TestStore } from "../support/stores.js";
import { type CapacityTarget, startCapacityTarget } from "./experiment-target.js";

// biome-ignore lint/suspicious/noExplicitAny: API answers are read as open-ended JSON.
type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Several processes on one store (PostgreSQL, BullMQ on Redis): a background task runs under a
 * lease, and the process that holds it dying hands it to another once the lease runs out.
 */
describe.skipIf(!process.env.DATABASE_URL || !REDIS_URL)(
  "background tasks taken over from a process killed with SIGKILL (PostgreSQL and Redis; skipped without them)",
  () => {
    let t: TestStore | undefined;
    let target: CapacityTarget | undefined;
    let platform: Platform | undefined;
    let dataDir: string | undefined;
    const prefix = uniquePrefix();
    afterAll(async () => {
      await platform?.close(0);
      await target?.close();
      await t?.close();
      await deletePrefix(REDIS_URL!, prefix);
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it("an experiment continues in the surviving process from its first incomplete step, never in two at once", async () => {
      t = await openTestStore("postgres");
      dataDir = await mkdtemp(join(tmpdir(), "aurea-takeover-"));
      target = await startCapacityTarget({ slots: 4, serviceMs: 10 });
      const env = {
        DATABASE_URL: t.url!,
        REDIS_URL: REDIS_URL!,
        AUREA_QUEUE_PREFIX: prefix,
        AUREA_TASK_LEASE_SECONDS: "2",
        AUREA_ALLOW_HOSTS: "127.0.0.1",
        AUREA_DATA_DIR: dataDir,
      };
      const a = await startServe(env);
      const url = a.url;
      const created = (await (
        await fetch(`${url}/api/v1/experiments`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            target: { kind: "http", url: target.url },
            rates: [20, 30, 40],
            step_duration: "2s",
            warmup: "1s",
            graceful_stop: "1s",
            continue_after_failure: true,
          }),
        })
      ).json()) as Json;
      const db = t.store.db;
      const leaseOwner = async () =>
        (
          (await db.execute(
            sql`select owner from task_leases where kind = 'experiment' and task_id = ${created.id}`,
          )) as unknown as { rows: { owner: string }[] }
        ).rows[0]?.owner;
      const steps = async () =>
        (
          (await db.execute(
            sql`select step, status, started_at from experiment_steps where experiment_id = ${created.id} order by step`,
          )) as unknown as { rows: { step: number; status: string; started_at: string }[] }
        ).rows;
      for (let i = 0; !(await steps()).some((s) => s.step === 2 && s.status === "running"); i++) {
        if (i > 600) throw new Error("step 2 never ran");
        await sleep(50);
      }
      const ownerA = await leaseOwner();
      expect(ownerA).toContain(`:${a.child.pid}:`);

      // A second process on the same store: it leaves the experiment to its live holder.
      platform = await openPlatform({
        config: loadConfig({ ...env, LOG_LEVEL: "silent" }),
        telemetry: createTelemetry({ version: "0.0.0-test", processMetrics: false }),
        logger: createLogger({ level: "silent" }),
        store: t.store,
        worker: false,
      });
      await sleep(3_000);
      expect(await leaseOwner()).toBe(ownerA);
      // Still measuring on A: wait for a step in progress, then kill A in it.
      let beforeKill = await steps();
      for (let i = 0; !beforeKill.some((s) => s.status === "running"); i++) {
        if (i > 600) throw new Error("no step in progress");
        await sleep(20);
        beforeKill = await steps();
      }
      const cut = beforeKill.find((s) => s.status === "running")!;
      const kept = beforeKill.filter((s) => s.status === "complete");
      expect(kept.length).toBeGreaterThan(0);
      await a.kill();
      const killedAt = Date.now();
      let done: Json | undefined;
      for (let i = 0; ; i++) {
        done = (await platform.experiments.get(created.id)) as Json | undefined;
        if (done?.experiment.status !== "running") break;
        if (i > 600) throw new Error("the experiment was not taken over");
        await sleep(100);
      }
      expect(done?.experiment.status).toBe("complete");
      expect(done?.steps.map((s: Json) => [s.step, s.status])).toEqual([
        [1, "complete"],
        [2, "complete"],
        [3, "complete"],
      ]);
      // The steps A completed are kept as it measured them; the one cut by the kill is measured again.
      for (const k of kept)
        expect(done?.steps[k.step - 1].startedAt.getTime()).toBe(new Date(k.started_at).getTime());
      expect(done?.steps[cut.step - 1].startedAt.getTime()).toBeGreaterThan(killedAt - 100);
      // Released by the survivor once done.
      expect(await leaseOwner()).toBeUndefined();
    }, 120_000);
  },
);
