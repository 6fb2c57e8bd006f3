import { lookup } from "node:dns";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";
import { ENGINE_LIMITS } from "../../src/engine/index.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { AutomationJobs } from "../../src/services/runs/automation-job.js";
import { type RunEvent, RunEvents } from "../../src/services/runs/run-events.js";
import { RunExecutor } from "../../src/services/runs/run-executor.js";
import type { RunRow } from "../../src/store/runs-repo.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry, type Telemetry } from "../../src/telemetry/registry.js";
import { type Seeder, seeder } from "../support/seed-rows.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

const FINISHED = ["completed", "failed", "cancelled"];
/** A run that lasts until it is stopped: 30 s of 20 ms jobs, two at a time. */
const LONG_LOAD = { model: "closed", duration: "30s", concurrency: 2 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DRIVERS)("recovery on %s", (driver) => {
  let t: TestStore;
  let seed: Seeder;
  let dataDir: string;
  let started: Platform[] = [];

  beforeAll(async () => {
    t = await openTestStore(driver);
    seed = seeder(t.store.db);
    dataDir = await mkdtemp(join(tmpdir(), "aurea-recovery-"));
  }, 120_000);
  beforeEach(async () => {
    await t.reset();
  });
  afterEach(async () => {
    for (const platform of started) await platform.close(0);
    started = [];
  });
  afterAll(async () => {
    await t?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts the platform on the test store, as the server does after a restart. */
  async function start(env: Record<string, string> = {}): Promise<Platform> {
    const platform = await openPlatform({
      config: loadConfig({ LOG_LEVEL: "silent", AUREA_DATA_DIR: dataDir, ...env }),
      telemetry: createTelemetry({ version: "0.0.0-test", processMetrics: false }),
      logger: createLogger({ level: "silent" }),
      store: t.store,
    });
    started.push(platform);
    return platform;
  }

  /** Polls until runs `ids` are all finished; fails naming the ones that are not. */
  async function settle(ids: number[], timeoutMs = 15_000): Promise<RunRow[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await Promise.all(ids.map(async (id) => (await seed.runs.get(id))!));
      if (rows.every((r) => FINISHED.includes(r.status))) return rows;
      if (Date.now() > deadline) {
        const stuck = rows.filter((r) => !FINISHED.includes(r.status)).map((r) => `${r.id}: ${r.status}`);
        throw new Error(`runs not finished after ${timeoutMs} ms: ${stuck.join(", ")}`);
      }
      await sleep(25);
    }
  }

  async function waitUntilRunning(id: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await seed.runs.get(id))!.status !== "running") {
      if (Date.now() > deadline) throw new Error(`run ${id} never started`);
      await sleep(10);
    }
  }

  async function unfinished(): Promise<number> {
    const page = await seed.runs.list(
      { statuses: ["pending", "running"] },
      { sort: "created_at", order: "asc", limit: 100 },
    );
    return page.rows.length;
  }

  it("after a crash, fails the interrupted runs that may not rerun and executes every other left-over run", async () => {
    const automation = await seed.automation("sleepy", 5);
    const fail = await seed.scenario(automation, "fail-on-interrupt", { onInterrupt: "fail" });
    const rerun = await seed.scenario(automation, "rerun-on-interrupt", { onInterrupt: "rerun" });
    const gone = await seed.scenario(automation, "deleted-since", { onInterrupt: "rerun" });
    // What a killed process leaves: runs it had claimed, and runs it had not reached.
    const runningFail = await seed.run(fail, automation);
    const runningRerun = await seed.run(rerun, automation);
    const runningOrphan = await seed.run(null, automation);
    const runningGone = await seed.run(gone, automation);
    for (const run of [runningFail, runningRerun, runningOrphan, runningGone]) await seed.runs.claim(run.id);
    await seed.scenarios.delete(gone.id);
    const pendingFail = await seed.run(fail, automation);
    const pendingRerun = await seed.run(rerun, automation);

    await start();
    const [failed, rerunDone, orphan, goneRow, pending1, pending2] = await settle(
      [runningFail, runningRerun, runningOrphan, runningGone, pendingFail, pendingRerun].map((r) => r.id),
    );

    for (const run of [failed, orphan, goneRow]) {
      expect(run).toMatchObject({ status: "failed", reason: "interrupted", attempts: 1, passed: false });
      expect(run!.finishedAt).toBeInstanceOf(Date);
    }
    expect(rerunDone).toMatchObject({
      status: "completed",
      attempts: 2,
      totalJobs: 5,
      failedJobs: 0,
      passed: true,
    });
    expect(rerunDone!.startedAt!.getTime()).toBeGreaterThan(runningRerun.createdAt.getTime());
    for (const run of [pending1, pending2])
      expect(run).toMatchObject({ status: "completed", attempts: 1, totalJobs: 5, passed: true });
    expect(await unfinished()).toBe(0);
  });

  it("on shutdown, records a running run as failed and interrupted with what it measured, within the grace period", async () => {
    const platform = await start();
    const automation = await seed.automation("slow", 20);
    const scenario = await seed.scenario(automation, "long", { load: LONG_LOAD });
    const triggered = await platform.service.trigger(scenario.id);
    if (!("run" in triggered)) throw new Error(`trigger refused: ${triggered.problem}`);
    const id = triggered.run.id;
    await waitUntilRunning(id);
    await sleep(300);

    const before = Date.now();
    await platform.close(200);
    const took = Date.now() - before;
    expect(took).toBeLessThan(2000);
    const run = (await seed.runs.get(id))!;
    expect(run).toMatchObject({ status: "failed", reason: "interrupted", attempts: 1, passed: false });
    expect(run.totalJobs).toBeGreaterThan(0);
    expect(run.durationS).toBeLessThan(5);
    expect(run.histogram).not.toBeNull();
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(await unfinished()).toBe(0);
  });

  it("keeps a run still queued at shutdown pending, and the next start executes it", async () => {
    const first = await start({ AUREA_RUN_CONCURRENCY: "1" });
    const automation = await seed.automation("slow", 20);
    const long = await seed.scenario(automation, "long", { load: LONG_LOAD });
    const short = await seed.scenario(automation, "short");
    const longRun = await first.service.trigger(long.id);
    const queued = await first.service.trigger(short.id);
    if (!("run" in longRun) || !("run" in queued)) throw new Error("trigger refused");
    await waitUntilRunning(longRun.run.id);
    expect((await first.queue.counts()).waiting).toBe(1);

    await first.close(100);
    expect(await seed.runs.get(longRun.run.id)).toMatchObject({ status: "failed", reason: "interrupted" });
    expect(await seed.runs.get(queued.run.id)).toMatchObject({
      status: "pending",
      attempts: 0,
      startedAt: null,
    });

    await start();
    const [done] = await settle([queued.run.id]);
    expect(done).toMatchObject({ status: "completed", attempts: 1, totalJobs: 5 });
    // The interrupted run was finished by the shutdown: the restart does not touch it.
    expect(await seed.runs.get(longRun.run.id)).toMatchObject({ status: "failed", attempts: 1 });
    expect(await unfinished()).toBe(0);
  });

  it("keeps a run triggered while the queue shuts down, for the next start to execute", async () => {
    const first = await start();
    const automation = await seed.automation("slow", 20);
    const long = await seed.scenario(automation, "long", { load: LONG_LOAD });
    const short = await seed.scenario(automation, "short");
    const longRun = await first.service.trigger(long.id);
    if (!("run" in longRun)) throw new Error("trigger refused");
    await waitUntilRunning(longRun.run.id);

    const closing = first.close(300);
    // Accepted and stored while the queue stops taking work: it waits, pending, for the next start.
    const accepted = await first.service.trigger(short.id);
    expect(accepted).toMatchObject({ run: { status: "pending" } });
    await closing;
    const [late] = (
      await seed.runs.list({ scenarioId: short.id }, { sort: "created_at", order: "asc", limit: 10 })
    ).rows;
    expect(late).toMatchObject({ status: "pending", attempts: 0 });

    await start();
    expect((await settle([late!.id]))[0]).toMatchObject({ status: "completed", attempts: 1 });
  });

  describe("executing a run twice", () => {
    /** An executor as another server process would have, with its own metrics and events of run `runId`. */
    function executor(runId: number): { executor: RunExecutor; telemetry: Telemetry; events: RunEvent[] } {
      const telemetry = createTelemetry({ version: "0.0.0-test", processMetrics: false });
      const bus = new RunEvents();
      const events: RunEvent[] = [];
      bus.subscribe(runId, (event) => events.push(event));
      const executor = new RunExecutor({
        runs: seed.runs,
        events: bus,
        metrics: telemetry.benchmark,
        logger: createLogger({ level: "silent" }),
        limits: ENGINE_LIMITS,
        jobs: new AutomationJobs({
          secrets: {
            resolve: async () => {
              throw new Error("no secrets in this test");
            },
          },
          checkTarget: async () => {},
          lookup,
          tinyfishBaseUrl: "http://127.0.0.1:9/",
        }),
      });
      return { executor, telemetry, events };
    }

    const runsCounted = async (telemetry: Telemetry) =>
      (await telemetry.registry.getSingleMetric("benchmark_runs_total")!.get()).values.reduce(
        (sum, v) => sum + v.value,
        0,
      );

    it("records a run given to executors several times at once only once", async () => {
      const automation = await seed.automation("sleepy", 5);
      const scenario = await seed.scenario(automation, "s", {
        load: { model: "closed", jobs: 20, concurrency: 2 },
      });
      const run = await seed.run(scenario, automation);
      const a = executor(run.id);
      const b = executor(run.id);
      const signal = new AbortController().signal;
      await Promise.all([
        a.executor.execute(run.id, signal),
        a.executor.execute(run.id, signal),
        b.executor.execute(run.id, signal),
      ]);
      const after = (await seed.runs.get(run.id))!;
      expect(after).toMatchObject({ status: "completed", attempts: 1, totalJobs: 20, passed: true });
      expect((await runsCounted(a.telemetry)) + (await runsCounted(b.telemetry))).toBe(1);
      const finished = [...a.events, ...b.events].filter((e) => e.type === "finished");
      expect(finished).toEqual([{ type: "finished", status: "completed", reason: null }]);

      // Once finished, it is not executed again either.
      await a.executor.execute(run.id, signal);
      await b.executor.execute(run.id, signal);
      expect(await seed.runs.get(run.id)).toEqual(after);
      expect((await runsCounted(a.telemetry)) + (await runsCounted(b.telemetry))).toBe(1);
    });

    it("executes a run enqueued again while it waits, runs or after it finished only once", async () => {
      const platform = await start();
      const automation = await seed.automation("sleepy", 5);
      const scenario = await seed.scenario(automation, "s");
      const run = await seed.run(scenario, automation);
      const again = [{ runId: run.id, attempt: 0 }];
      await Promise.all([platform.queue.enqueue(again), platform.queue.enqueue(again)]);
      await platform.queue.enqueue(again);
      const [done] = await settle([run.id]);
      expect(done).toMatchObject({ status: "completed", attempts: 1, totalJobs: 5 });

      await platform.queue.enqueue(again);
      const busy = async () => {
        const counts = await platform.queue.counts();
        return counts.active + counts.waiting;
      };
      for (let i = 0; i < 200 && (await busy()) > 0; i++) await sleep(10);
      expect(await busy()).toBe(0);
      expect(await seed.runs.get(run.id)).toEqual(done);
    });
  });
});
