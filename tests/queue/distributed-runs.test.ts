import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { BullMqQueue } from "../../src/queue/bullmq-queue.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { startServer } from "../../src/server/start-server.js";
import type { RunEvent } from "../../src/services/runs/run-events.js";
import type { RunRow } from "../../src/store/runs-repo.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry, type Telemetry } from "../../src/telemetry/registry.js";
import { deletePrefix, freePort, REDIS_URL, startRedis, uniquePrefix } from "../support/redis.js";
import { type Seeder, seeder } from "../support/seed-rows.js";
import { startCli } from "../support/spawn-cli.js";
import { openTestStore, type TestStore } from "../support/stores.js";

const FINISHED = ["completed", "failed", "cancelled"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Several workers in several processes share one store: that takes PostgreSQL. */
const DRIVER = process.env.DATABASE_URL ? "postgres" : "pglite";

describe.skipIf(!REDIS_URL)("runs on the BullMQ queue (REDIS_URL; skipped without it)", () => {
  const redisUrl = REDIS_URL!;
  let t: TestStore;
  let seed: Seeder;
  let dataDir: string;
  let prefix: string;
  let started: { platform: Platform; telemetry: Telemetry }[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    t = await openTestStore(DRIVER);
    seed = seeder(t.store.db);
    dataDir = await mkdtemp(join(tmpdir(), "aurea-queue-"));
  }, 120_000);
  beforeEach(async () => {
    await t.reset();
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    for (const { platform } of started) await platform.close(0);
    started = [];
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await deletePrefix(redisUrl, prefix);
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** A platform on the shared store and this test's queue: an API (`worker: false`) or a worker. */
  async function start({ worker = true, env = {} as Record<string, string> } = {}) {
    const telemetry = createTelemetry({ version: "0.0.0-test", processMetrics: false });
    const platform = await openPlatform({
      config: loadConfig({
        LOG_LEVEL: "silent",
        AUREA_DATA_DIR: dataDir,
        REDIS_URL: redisUrl,
        AUREA_QUEUE_PREFIX: prefix,
        AUREA_RUN_LEASE_SECONDS: "2",
        ...env,
      }),
      telemetry,
      logger: createLogger({ level: "silent" }),
      store: t.store,
      worker,
    });
    started.push({ platform, telemetry });
    return { platform, telemetry };
  }

  async function settle(ids: number[], timeoutMs = 30_000): Promise<RunRow[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await Promise.all(ids.map(async (id) => (await seed.runs.get(id))!));
      if (rows.every((r) => FINISHED.includes(r.status))) return rows;
      if (Date.now() > deadline)
        throw new Error(`runs not finished: ${rows.map((r) => `${r.id}: ${r.status}`).join(", ")}`);
      await sleep(25);
    }
  }

  async function waitUntilRunning(id: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await seed.runs.get(id))!.status !== "running") {
      if (Date.now() > deadline) throw new Error(`run ${id} never started`);
      await sleep(10);
    }
  }

  async function trigger(platform: Platform, scenarioId: number): Promise<number> {
    const result = await platform.service.trigger(scenarioId);
    if (!("run" in result)) throw new Error("trigger refused");
    return result.run.id;
  }

  const runsCounted = async (telemetry: Telemetry) =>
    (await telemetry.registry.getSingleMetric("benchmark_runs_total")!.get()).values.reduce(
      (sum, v) => sum + v.value,
      0,
    );

  it("queues on the API and executes on a worker sharing the queue, recording the queue in the run", async () => {
    const api = await start({ worker: false });
    const worker = await start();
    const automation = await seed.automation("quick", 2);
    const scenario = await seed.scenario(automation, "s", {
      load: { model: "closed", jobs: 10, concurrency: 5 },
    });
    const ids = [await trigger(api.platform, scenario.id), await trigger(api.platform, scenario.id)];
    const runs = await settle(ids);
    for (const run of runs) {
      expect(run).toMatchObject({ status: "completed", attempts: 1, totalJobs: 10 });
      expect(run.environment).toMatchObject({ queue: "bullmq" });
    }
    expect(await runsCounted(api.telemetry)).toBe(0);
    expect(await runsCounted(worker.telemetry)).toBe(2);
    // The API's registry reads the queue's state from Redis: one worker, two jobs done.
    const metrics = await api.telemetry.registry.metrics();
    expect(metrics).toMatch(/^aurea_queue_workers 1$/m);
    expect(metrics).toMatch(/^aurea_queue_jobs\{state="completed"\} 2$/m);
    const worked = await worker.telemetry.registry.metrics();
    expect(worked).toMatch(/^aurea_queue_jobs_processed_total\{job="run\.execute",outcome="completed"\} 2$/m);
    expect(worked).toMatch(/^aurea_queue_wait_seconds_count\{job="run\.execute"\} 2$/m);
  });

  it("streams a run's live events from the worker executing it to a client watching on the API", async () => {
    const api = await start({ worker: false });
    await start();
    const automation = await seed.automation("slow", 20);
    const scenario = await seed.scenario(automation, "s", {
      load: { model: "closed", jobs: 100, concurrency: 1 },
    });
    const result = await api.platform.service.trigger(scenario.id);
    if (!("run" in result)) throw new Error("trigger refused");
    const seen: RunEvent[] = [];
    const finished = new Promise<void>((resolve) => {
      api.platform.events.subscribe(result.run.id, (event) => {
        seen.push(event);
        if (event.type === "finished") resolve();
      });
    });
    await finished;
    expect(seen[0]).toEqual({ type: "status", status: "running" });
    expect(seen.filter((e) => e.type === "progress").length).toBeGreaterThanOrEqual(1);
    expect(seen.filter((e) => e.type === "second").length).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)).toEqual({ type: "finished", status: "completed", reason: null });
  });

  it("executes a run delivered twice, to two workers, once", async () => {
    const api = await start({ worker: false });
    const one = await start();
    const two = await start();
    const automation = await seed.automation("sleepy", 5);
    const scenario = await seed.scenario(automation, "s", {
      load: { model: "closed", jobs: 20, concurrency: 2 },
    });
    const run = await seed.run(scenario, automation);
    // Two jobs for the same run (as at-least-once delivery may hand out), taken by both workers.
    await api.platform.queue.enqueue([
      { runId: run.id, attempt: 0 },
      { runId: run.id, attempt: 99 },
    ]);
    const [done] = await settle([run.id]);
    expect(done).toMatchObject({ status: "completed", attempts: 1, totalJobs: 20 });
    await sleep(200);
    expect((await runsCounted(one.telemetry)) + (await runsCounted(two.telemetry))).toBe(1);
    expect(await seed.runs.get(run.id)).toEqual(done);
  });

  it("retries a job whose handler fails, with exponential backoff, until it succeeds", async () => {
    const queue = await BullMqQueue.open({
      url: redisUrl,
      prefix,
      concurrency: 1,
      logger: createLogger({ level: "silent" }),
    });
    cleanups.push(() => queue.close(0));
    const calls: number[] = [];
    queue.start({
      run: async () => {
        calls.push(Date.now());
        // What a worker sees when the store is unreachable while it claims the run.
        if (calls.length < 3) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      },
    });
    await queue.enqueue([{ runId: 1, attempt: 0 }]);
    const deadline = Date.now() + 15_000;
    while (calls.length < 3 && Date.now() < deadline) await sleep(20);
    expect(calls).toHaveLength(3);
    const [first, second, third] = calls as [number, number, number];
    // The catalog's policy: 500 ms, then 1 s (exponential).
    expect(second - first).toBeGreaterThanOrEqual(450);
    expect(third - second).toBeGreaterThanOrEqual(950);
    await sleep(100);
    expect(await queue.counts()).toMatchObject({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
      completed: 1,
    });
  });

  it("cancels a run executing on another worker within a second, keeping what it measured", async () => {
    const api = await start({ worker: false });
    await start();
    const automation = await seed.automation("slow", 20);
    const scenario = await seed.scenario(automation, "long", {
      load: { model: "closed", duration: "30s", concurrency: 2 },
    });
    const id = await trigger(api.platform, scenario.id);
    await waitUntilRunning(id);
    await sleep(300);
    const asked = Date.now();
    const answer = await api.platform.service.cancel(id);
    expect("run" in answer).toBe(true);
    const [run] = await settle([id], 5000);
    const tookMs = Date.now() - asked;
    expect(run).toMatchObject({ status: "cancelled", reason: "cancelled" });
    expect(run!.totalJobs).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(1500);
  });

  it("recovers from losing Redis: the queue reports down, a trigger meanwhile is kept and executed after", async () => {
    const own = await startRedis(await freePort());
    cleanups.push(() => own.stop());
    const port = new URL(own.url).port;
    const { platform } = await start({ env: { REDIS_URL: own.url } });
    const automation = await seed.automation("quick", 1);
    const scenario = await seed.scenario(automation, "s");
    const before = await trigger(platform, scenario.id);
    await settle([before]);

    await own.stop();
    await expect(platform.queue.ping()).rejects.toThrow();
    const during = await trigger(platform, scenario.id);
    expect((await seed.runs.get(during))!.status).toBe("pending");

    // Back, empty (nothing persisted): the worker reconnects and the supervisor queues the
    // pending run again.
    const again = await startRedis(Number(port));
    cleanups.push(() => again.stop());
    await platform.queue.ping();
    const [run] = await settle([during], 30_000);
    expect(run).toMatchObject({ status: "completed", attempts: 1 });
  });

  it("answers /ready 503 naming the queue while Redis is away, and 200 again once it is back", async () => {
    const own = await startRedis(await freePort());
    const server = await startServer(
      loadConfig({
        LOG_LEVEL: "silent",
        PORT: "0",
        AUREA_DATA_DIR: dataDir,
        REDIS_URL: own.url,
        AUREA_QUEUE_PREFIX: prefix,
        ...(t.url ? { DATABASE_URL: t.url } : {}),
      }),
      { logger: createLogger({ level: "silent" }) },
    );
    // The server closes first, while a Redis is there to close against.
    cleanups.push(
      () => server.close(0),
      () => own.stop(),
    );
    const ready = async () => {
      const response = await fetch(`${server.url}/ready`);
      return {
        status: response.status,
        body: (await response.json()) as { checks: Record<string, { status: string }> },
      };
    };
    const until = async (status: number) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const answer = await ready();
        if (answer.status === status || Date.now() > deadline) return answer;
        await sleep(100);
      }
    };
    expect((await ready()).status).toBe(200);
    await own.stop();
    const down = await until(503);
    expect(down.status).toBe(503);
    expect(down.body.checks.queue).toMatchObject({ status: "down", kind: "bullmq" });
    expect(down.body.checks.database).toMatchObject({ status: "up" });
    const again = await startRedis(Number(new URL(own.url).port));
    cleanups.push(() => again.stop());
    expect((await until(200)).status).toBe(200);
  });

  it("fires a schedule exactly once per tick with two API processes and two workers on the queue", async () => {
    const fast = { AUREA_MIN_SCHEDULE_INTERVAL_SECONDS: "1" };
    const one = await start({ worker: false, env: fast });
    const two = await start({ worker: false, env: fast });
    await start({ env: fast });
    await start({ env: fast });
    const automation = await seed.automation("quick", 1);
    const scenario = await seed.scenario(automation, "s");
    const input = {
      scenario_id: scenario.id,
      interval_seconds: 1,
      timezone: "UTC",
      enabled: true,
      overlap: "queue" as const,
    };
    // Both API processes write the schedule (as after a restart of each): still one job scheduler.
    const created = await one.platform.schedules.create(input);
    if (!("schedule" in created)) throw new Error("schedule refused");
    const id = created.schedule.id;
    await two.platform.schedules.update(id, input);
    await two.platform.schedules.start();
    await sleep(4200);
    await one.platform.schedules.update(id, { ...input, enabled: false });
    await sleep(300);
    const page = await seed.runs.list(
      { statuses: ["pending", "running", "completed"] },
      { sort: "created_at", order: "asc", limit: 100 },
    );
    const fired = page.rows.filter((r) => r.scheduleId === id);
    // Ticks at whole seconds for ~4 s: 3 to 5 of them, each one run.
    expect(fired.length).toBeGreaterThanOrEqual(3);
    expect(fired.length).toBeLessThanOrEqual(5);
    const schedule = await one.platform.schedules.get(id);
    expect(schedule!.lastFiredAt!.getTime() % 1000).toBe(0);
    expect(schedule!.skippedTicks).toBe(0);
    await settle(fired.map((r) => r.id));
  });

  it.skipIf(DRIVER !== "postgres")(
    "re-runs or fails, per scenario, the runs of a worker process killed with SIGKILL (needs PostgreSQL)",
    async () => {
      const api = await start({ worker: false });
      const automation = await seed.automation("slow", 50);
      const load = { model: "closed", jobs: 100, concurrency: 1 }; // 5 s
      const rerun = await seed.scenario(automation, "rerun", { load, onInterrupt: "rerun" });
      const fail = await seed.scenario(automation, "fail", { load, onInterrupt: "fail" });
      const child = startCli(["worker"], {
        DATABASE_URL: t.url!,
        REDIS_URL: redisUrl,
        AUREA_QUEUE_PREFIX: prefix,
        AUREA_RUN_LEASE_SECONDS: "2",
        LOG_LEVEL: "silent",
      });
      cleanups.push(async () => {
        child.child.kill("SIGKILL");
        await child.finished;
      });
      const ids = [await trigger(api.platform, rerun.id), await trigger(api.platform, fail.id)];
      for (const id of ids) await waitUntilRunning(id, 30_000);
      child.child.kill("SIGKILL");
      expect((await child.finished).code).toBeNull();

      // A surviving worker (here, in this process) takes over once the lease has expired.
      await start();
      const [rerunRow, failRow] = await settle(ids, 30_000);
      expect(rerunRow).toMatchObject({ status: "completed", attempts: 2, totalJobs: 100 });
      expect(failRow).toMatchObject({ status: "failed", reason: "interrupted", attempts: 1 });
    },
  );

  it.skipIf(DRIVER !== "postgres")(
    "executes a sharded run's shards on two worker processes and merges them (needs PostgreSQL)",
    async () => {
      const api = await start({ worker: false });
      const automation = await seed.automation("fixed", 20);
      const scenario = await seed.scenarios.create({
        name: "sharded",
        automationId: automation.id,
        load: { model: "closed", jobs: 60, concurrency: 6 },
        shards: 2,
      });
      // One shard at a time per worker: the two shards, busy together, must land on both.
      const workers = [0, 1].map(() =>
        startCli(["worker"], {
          DATABASE_URL: t.url!,
          REDIS_URL: redisUrl,
          AUREA_QUEUE_PREFIX: prefix,
          AUREA_RUN_CONCURRENCY: "1",
          LOG_LEVEL: "silent",
        }),
      );
      cleanups.push(async () => {
        for (const w of workers) w.child.kill("SIGTERM");
        await Promise.all(workers.map((w) => w.finished));
      });
      const id = await trigger(api.platform, scenario.id);
      const [run] = await settle([id], 30_000);
      expect(run).toMatchObject({ status: "completed", totalJobs: 60, failedJobs: 0, passed: true });
      const shards = (await t.store.db.execute(
        sql`select shard, status, executor from run_shards where run_id = ${id} order by shard`,
      )) as unknown as { rows: { shard: number; status: string; executor: string }[] };
      expect(shards.rows.map((r) => r.status)).toEqual(["completed", "completed"]);
      const pids = new Set(shards.rows.map((r) => r.executor.split(":").at(-1)));
      expect(pids).toEqual(new Set(workers.map((w) => String(w.child.pid))));
    },
  );

  it.skipIf(DRIVER !== "postgres")(
    "stops a worker process on SIGTERM after its running run finishes (needs PostgreSQL)",
    async () => {
      const api = await start({ worker: false });
      const automation = await seed.automation("slow", 50);
      const scenario = await seed.scenario(automation, "s", {
        load: { model: "closed", jobs: 60, concurrency: 1 },
      });
      const child = startCli(["worker", "--metrics-port", "0"], {
        DATABASE_URL: t.url!,
        REDIS_URL: redisUrl,
        AUREA_QUEUE_PREFIX: prefix,
        LOG_LEVEL: "info",
      });
      cleanups.push(async () => {
        child.child.kill("SIGKILL");
        await child.finished;
      });
      let out = "";
      child.child.stdout!.on("data", (d: Buffer) => (out += d));
      const id = await trigger(api.platform, scenario.id);
      await waitUntilRunning(id, 30_000);
      // The worker serves its own metrics: the job it is running shows as active on the queue.
      const metricsPort = await new Promise<string>((resolve, reject) => {
        const look = () => {
          const match = /"metrics_port":(\d+)/.exec(out);
          if (match) resolve(match[1]!);
          else setTimeout(look, 20);
        };
        look();
        setTimeout(() => reject(new Error(`no metrics_port in ${out}`)), 10_000);
      });
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^aurea_queue_jobs\{state="active"\} 1$/m);
      expect(metrics).toMatch(/^aurea_queue_workers 1$/m);
      child.child.kill("SIGTERM");
      const exited = await child.finished;
      expect(exited.code, exited.stderr).toBe(0);
      expect(exited.stdout).toContain("aurea worker stopped");
      expect(await seed.runs.get(id)).toMatchObject({ status: "completed", totalJobs: 60 });
    },
  );
});
