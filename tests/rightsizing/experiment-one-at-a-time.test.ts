import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.js";
import { loadConfig } from "../../src/config/config.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { BenchmarkService } from "../../src/services/benchmark-service.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry } from "../../src/telemetry/registry.js";
import { deletePrefix, REDIS_URL, uniquePrefix } from "../support/redis.js";
import { openTestStore, type TestStore } from "../support/stores.js";
import { type CapacityTarget, startCapacityTarget } from "./experiment-target.js";

// biome-ignore lint/suspicious/noExplicitAny: API answers are read as open-ended JSON.
type Json = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Process {
  platform: Platform;
  app: FastifyInstance;
  request(method: string, url: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

/**
 * Two API processes on one store (PostgreSQL, BullMQ on Redis: neither is the store's only
 * user): whichever accepts an experiment, only one experiment loads its target at a time; a
 * second waits `pending` until the first ends, then runs.
 */
describe.skipIf(!process.env.DATABASE_URL || !REDIS_URL)(
  "one load experiment at a time across processes on one store (PostgreSQL and Redis; skipped without them)",
  () => {
    let t: TestStore;
    let dataDir: string;
    let target: CapacityTarget;
    const prefix = uniquePrefix();
    const processes: Process[] = [];

    const start = async (): Promise<Process> => {
      const config = loadConfig({
        LOG_LEVEL: "silent",
        DATABASE_URL: t.url!,
        REDIS_URL: REDIS_URL!,
        AUREA_QUEUE_PREFIX: prefix,
        AUREA_TASK_LEASE_SECONDS: "3",
        AUREA_ALLOW_HOSTS: "127.0.0.1",
        AUREA_DATA_DIR: dataDir,
      });
      const telemetry = createTelemetry({ version: "0.0.0-test", processMetrics: false });
      const logger = createLogger({ level: "silent" });
      const platform = await openPlatform({ config, telemetry, logger, store: t.store, worker: false });
      const app = await buildApp({
        config,
        telemetry,
        logger,
        benchmarks: new BenchmarkService({ metrics: telemetry.benchmark }),
        platform,
        version: "0.0.0-test",
      });
      const p: Process = {
        platform,
        app,
        request: async (method, url, body) => {
          const response = await app.inject({
            method: method as "GET",
            url,
            ...(body === undefined ? {} : { payload: body as object }),
          });
          return { status: response.statusCode, body: response.json() as Json };
        },
      };
      processes.push(p);
      return p;
    };

    beforeAll(async () => {
      t = await openTestStore("postgres");
      dataDir = await mkdtemp(join(tmpdir(), "aurea-one-at-a-time-"));
      target = await startCapacityTarget({ slots: 4, serviceMs: 10 });
    }, 60_000);

    afterAll(async () => {
      for (const p of processes) {
        await p.app.close();
        await p.platform.close(0);
      }
      await target?.close();
      await t?.close();
      await deletePrefix(REDIS_URL!, prefix);
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    const spec = (name: string) => ({
      name,
      target: { kind: "http", url: target.url },
      rates: [20, 30, 40],
      step_duration: "1s",
      warmup: "1s",
      graceful_stop: "1s",
      continue_after_failure: true,
    });

    const waitUntil = async (p: Process, id: number, done: (e: Json) => boolean, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = (await p.request("GET", `/api/v1/experiments/${id}`)).body;
        if (done(e)) return e;
        if (Date.now() > deadline) throw new Error(`experiment ${id}: ${JSON.stringify(e).slice(0, 600)}`);
        await sleep(50);
      }
    };
    const ended = (e: Json) => !["pending", "running"].includes(e.status);

    it("queues an experiment started on a second process while one runs on the first, and runs it once the first ends", async () => {
      const a = await start();
      const b = await start();
      const first = await a.request("POST", "/api/v1/experiments", spec("first"));
      expect(first.status).toBe(202);
      await waitUntil(a, first.body.id, (e) => e.status === "running");

      const second = await b.request("POST", "/api/v1/experiments", spec("second"));
      expect(second.status).toBe(202);
      expect(second.body.status).toBe("pending");
      // While the first runs, the second waits: pending, no step, not active on either process.
      for (let i = 0; i < 10; i++) {
        const [x, y] = await Promise.all([
          a.request("GET", `/api/v1/experiments/${first.body.id}`),
          b.request("GET", `/api/v1/experiments/${second.body.id}`),
        ]);
        if (x.body.status !== "running") break;
        expect(y.body).toMatchObject({ status: "pending", steps: [], started_at: null });
        expect(a.platform.experiments.active + b.platform.experiments.active).toBe(1);
        await sleep(200);
      }

      const one = await waitUntil(a, first.body.id, ended);
      const two = await waitUntil(b, second.body.id, ended);
      expect([one.status, two.status]).toEqual(["complete", "complete"]);
      expect(two.steps).toHaveLength(3);
      // Never loaded at once: the second's first step starts after the first's last step ended.
      const lastOfFirst = Math.max(...one.steps.map((s: Json) => Date.parse(s.finished_at)));
      const firstOfSecond = Math.min(...two.steps.map((s: Json) => Date.parse(s.started_at)));
      expect(firstOfSecond).toBeGreaterThanOrEqual(lastOfFirst);
      expect(Date.parse(two.started_at)).toBeGreaterThanOrEqual(Date.parse(one.finished_at));
      // The slot is free again.
      const slots = await t.store.db.execute(
        sql`select owner from task_leases where kind = 'experiment_slot'`,
      );
      expect((slots as unknown as { rows: unknown[] }).rows).toEqual([]);
    }, 90_000);

    it("cancels a queued experiment at once, from the process it waits in or from another", async () => {
      const [a, b] = processes as [Process, Process];
      const running = await a.request("POST", "/api/v1/experiments", spec("running"));
      await waitUntil(a, running.body.id, (e) => e.status === "running");
      const here = await b.request("POST", "/api/v1/experiments", spec("cancelled where it waits"));
      const there = await b.request("POST", "/api/v1/experiments", spec("cancelled from the other"));
      await sleep(300);
      const byB = await b.request("POST", `/api/v1/experiments/${here.body.id}/cancel`);
      const byA = await a.request("POST", `/api/v1/experiments/${there.body.id}/cancel`);
      expect([byB.status, byB.body.status]).toEqual([202, "cancelled"]);
      expect([byA.status, byA.body.status]).toEqual([202, "cancelled"]);
      // At once: not after the running one ends (its 3 steps of 2 s).
      expect((await a.request("GET", `/api/v1/experiments/${running.body.id}`)).body.status).toBe("running");

      await waitUntil(a, running.body.id, ended);
      // Neither of the cancelled ones ever ran a step, also after the slot came free.
      await sleep(1500);
      for (const id of [here.body.id, there.body.id]) {
        const e = (await a.request("GET", `/api/v1/experiments/${id}`)).body;
        expect(e).toMatchObject({ status: "cancelled", steps: [], started_at: null });
      }
    }, 90_000);
  },
);
