import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeHistogram, encodeHistogram, percentileOf, seededRandom } from "../../src/engine/index.js";
import { latencyHistogram } from "../../src/engine/stats/histogram.js";
import { dashboardKpis } from "../../src/services/runs/kpis.js";
import { RollupAggregator } from "../../src/services/runs/rollup-aggregator.js";
import { KpisQuery } from "../../src/store/kpis-query.js";
import { foldFinishedRuns, rebuildRollups } from "../../src/store/rollups-repo.js";
import { RunsRepo } from "../../src/store/runs-repo.js";
import { runRollups, runs } from "../../src/store/schema.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 20, 5, 17);

describe.each(DRIVERS)("KPIs from rollups on %s", (driver) => {
  let t: TestStore;
  const truth: {
    createdAt: number;
    scenarioId: number | null;
    status: string;
    passed: boolean;
    jobs: number;
    failed: number;
    cost: number;
    histogram: string;
  }[] = [];

  beforeAll(async () => {
    t = await openTestStore(driver);
    const repo = new RunsRepo(t.store.db);
    const random = seededRandom(7);
    // 240 finished runs over ~75 days, three scenarios (and the seed API's, without one).
    for (let i = 0; i < 240; i++) {
      const histogram = latencyHistogram();
      const base = 1000 + Math.floor(random.next() * 50_000);
      for (let j = 0; j < 20; j++) histogram.recordValue(base + Math.floor(random.next() * base));
      const jobs = 20;
      const failed = random.next() < 0.2 ? 3 : 0;
      const scenarioId = i % 4 === 3 ? null : (i % 4) + 1;
      const status = i % 17 === 0 ? "cancelled" : i % 11 === 0 ? "failed" : "completed";
      const passed = status === "completed" && failed === 0;
      const encoded = encodeHistogram(histogram);
      const row = await repo.createFinished(
        { scenarioId, scenarioName: scenarioId ? `s${scenarioId}` : null, source: "trigger", spec: {} },
        {
          totalJobs: jobs,
          failedJobs: failed,
          cost: 0.01 * (i + 1),
          passed,
          thresholdsPassed: passed,
          histogram: encoded,
          p50Ms: null,
          p95Ms: null,
          p99Ms: null,
        },
        new Date(),
        new Date(),
      );
      const createdAt = START + Math.floor(random.next() * 75 * DAY);
      await t.store.db.execute(
        sql`update runs set created_at = ${new Date(createdAt).toISOString()}, status = ${status} where id = ${row.id}`,
      );
      truth.push({
        createdAt,
        scenarioId,
        status,
        passed,
        jobs,
        failed,
        cost: 0.01 * (i + 1),
        histogram: encoded,
      });
    }
    // The rows were moved in time after their rollups were written: rebuild from the runs.
    await rebuildRollups(t.store.db, 37);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  function expected(from: number, to: number, scenarioId?: number) {
    const rows = truth.filter(
      (r) =>
        r.createdAt >= from && r.createdAt < to && (scenarioId === undefined || r.scenarioId === scenarioId),
    );
    const merged = latencyHistogram();
    for (const r of rows) merged.add(decodeHistogram(r.histogram));
    const finished = rows.filter((r) => r.status !== "cancelled").length;
    const passed = rows.filter((r) => r.passed).length;
    return {
      total_runs: rows.length,
      finished_runs: finished,
      passed_runs: passed,
      jobs: rows.reduce((s, r) => s + r.jobs, 0),
      failed_jobs: rows.reduce((s, r) => s + r.failed, 0),
      cost: rows.reduce((s, r) => s + r.cost, 0),
      p50: rows.length ? percentileOf(merged, 50)! / 1000 : null,
      p99: rows.length ? percentileOf(merged, 99)! / 1000 : null,
    };
  }

  it.each([
    ["the whole history", undefined, undefined],
    ["a window cut mid-hour on both sides", START + 3 * DAY + 1_234_567, START + 40 * DAY + 7_654_321],
    ["a window inside one day", START + 10 * DAY, START + 10 * DAY + 5 * 3_600_000 + 60_000],
    ["a window spanning month boundaries", Date.UTC(2026, 0, 31, 23, 30), Date.UTC(2026, 3, 1, 0, 30)],
    ["an empty window", Date.UTC(2030, 0, 1), Date.UTC(2030, 0, 2)],
  ])("equal a computation over every run for %s", async (_, from, to) => {
    const kpis = await dashboardKpis(new KpisQuery(t.store.db), {
      from: from === undefined ? undefined : new Date(from),
      to: to === undefined ? undefined : new Date(to),
    });
    const want = expected(from ?? 0, to ?? Number.POSITIVE_INFINITY);
    expect(kpis).toMatchObject({
      total_runs: want.total_runs,
      finished_runs: want.finished_runs,
      passed_runs: want.passed_runs,
      jobs: want.jobs,
      failed_jobs: want.failed_jobs,
    });
    expect(kpis.cost).toBeCloseTo(want.cost, 9);
    expect(kpis.latency_ms.p50).toBe(want.p50);
    expect(kpis.latency_ms.p99).toBe(want.p99);
  });

  it("equal the computation for one scenario, and name the scenarios", async () => {
    const from = START + 2 * DAY + 999;
    const to = START + 60 * DAY;
    const kpis = await dashboardKpis(new KpisQuery(t.store.db), {
      from: new Date(from),
      to: new Date(to),
      scenarioId: 2,
    });
    const want = expected(from, to, 2);
    expect(kpis).toMatchObject({
      total_runs: want.total_runs,
      passed_runs: want.passed_runs,
      jobs: want.jobs,
    });
    expect(kpis.latency_ms.p50).toBe(want.p50);
    expect(kpis.scenarios).toEqual([
      expect.objectContaining({ scenario_id: 2, scenario_name: "s2", total_runs: want.total_runs }),
    ]);
  });

  it("are folded in batches as runs finish, equal to a rebuild, and count a run before it is folded", async () => {
    // What the rebuild in beforeAll wrote, against the aggregator's batches (of an odd size).
    const rebuilt = await t.store.db.select().from(runRollups);
    await t.store.db.delete(runRollups);
    await t.store.db.update(runs).set({ rolledUp: false });
    while ((await foldFinishedRuns(t.store.db, 37)) > 0) {
      // Until every run is folded.
    }
    const before = await t.store.db.select().from(runRollups);
    const key = (r: (typeof before)[number]) => `${r.level}|${r.scenarioKey}|${r.bucket.toISOString()}`;
    const simplify = (rows: typeof before) =>
      Object.fromEntries(
        rows.map((r) => [
          key(r),
          {
            ...r,
            cost: Math.round(r.cost * 1e9),
            histogram: r.histogram ? decodeHistogram(r.histogram).totalCount : null,
          },
        ]),
      );
    expect(simplify(rebuilt)).toEqual(simplify(before));

    // A run finishing now is counted at once, before the aggregator folds it, and the same after.
    const repo = new RunsRepo(t.store.db);
    const fresh = await repo.create({ scenarioId: 1, source: "trigger", spec: {} });
    await repo.claim(fresh.id);
    const h = latencyHistogram();
    h.recordValue(5000);
    await repo.complete(fresh.id, 1, {
      totalJobs: 1,
      failedJobs: 0,
      passed: true,
      cost: 1,
      histogram: encodeHistogram(h),
    });
    const now = new Date();
    const earlier = truth.filter((r) => r.scenarioId === 1).length;
    for (const folded of [false, true]) {
      if (folded) expect(await foldFinishedRuns(t.store.db)).toBe(1);
      const recent = await dashboardKpis(new KpisQuery(t.store.db), {
        from: new Date(now.getTime() - DAY),
        scenarioId: 1,
      });
      expect(recent.total_runs).toBe(1);
      expect(recent.latency_ms.p50).toBeCloseTo(5, 1);
      const all = await dashboardKpis(new KpisQuery(t.store.db), { scenarioId: 1 });
      expect(all.total_runs).toBe(earlier + 1);
    }
    expect(await foldFinishedRuns(t.store.db)).toBe(0);
    const rows = await t.store.db
      .select()
      .from(runRollups)
      .where(
        sql`${runRollups.bucket} >= ${new Date(now.getTime() - 40 * DAY).toISOString()} and ${runRollups.scenarioKey} = 1 and ${runRollups.completed} > 0`,
      );
    expect(rows.map((r) => r.level).sort()).toEqual(["day", "hour", "month"]);
  });

  it("are folded by the aggregator a backlog at a time: full batches at once, until one is not", async () => {
    const rebuilt = await t.store.db.select().from(runRollups);
    await t.store.db.delete(runRollups);
    await t.store.db.update(runs).set({ rolledUp: false });
    const finished = await t.store.db.$count(runs, sql`${runs.status} <> 'pending'`);
    expect(finished).toBeGreaterThan(5 * 37);
    // One flush folds every batch of 37 that comes back full, and the last, partial one.
    await new RollupAggregator(t.store.db, createLogger({ level: "silent" }), { batch: 37 }).flush();
    expect(await t.store.db.$count(runs, sql`not ${runs.rolledUp}`)).toBe(0);
    const folded = await t.store.db.select().from(runRollups);
    const totals = (rows: typeof folded) =>
      rows.reduce((sum, r) => sum + r.completed + r.failed + r.cancelled, 0);
    expect(totals(folded)).toBe(totals(rebuilt));
    expect(folded.length).toBe(rebuilt.length);
  });
});
