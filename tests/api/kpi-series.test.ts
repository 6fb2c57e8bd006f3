import { describe, expect, it } from "vitest";
import type { DashboardView } from "../../src/contracts/kpis.js";
import { encodeHistogram, latencyHistogram } from "../../src/engine/index.js";
import { rebuildRollups } from "../../src/store/rollups-repo.js";
import { runs } from "../../src/store/schema.js";
import { platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

/** A histogram of the given latencies (ms), encoded as runs store it. */
function histogramOf(...latenciesMs: number[]): string {
  const histogram = latencyHistogram();
  for (const ms of latenciesMs) histogram.recordValue(ms * 1000);
  return encodeHistogram(histogram);
}

type App = Awaited<ReturnType<typeof platformApp>>;

async function storeRun(
  t: App,
  at: string,
  { status = "completed", passed = true, latencies = [10], cost = 0.5, scenarioId = 1 } = {},
): Promise<void> {
  await t.platform.store.db.insert(runs).values({
    scenarioId,
    scenarioName: `scenario ${scenarioId}`,
    source: "trigger",
    status: status as "completed",
    spec: {},
    createdAt: new Date(at),
    totalJobs: latencies.length,
    failedJobs: 0,
    cost,
    passed,
    histogram: histogramOf(...latencies),
  });
}

const dashboard = async (t: App, query: string) => {
  const response = await t.request("GET", `/api/v1/runs/kpis/dashboard?${query}`);
  expect(response.statusCode).toBe(200);
  return (response.json() as DashboardView).series;
};

describe("the KPI dashboard's series", () => {
  it("sums each hour of a day-long window from the rollups and the runs not folded in yet", async () => {
    const t = await platformApp();
    await storeRun(t, "2026-01-01T03:10:00Z", { latencies: [10, 10, 10] });
    await storeRun(t, "2026-01-01T03:40:00Z", { latencies: [30], scenarioId: 2 });
    await storeRun(t, "2026-01-01T05:20:00Z", { status: "failed", passed: false, latencies: [100] });
    await rebuildRollups(t.platform.store.db);
    // Finished after the rollups were built: read from the run itself.
    await storeRun(t, "2026-01-01T05:30:00Z", { latencies: [20], cost: 0.25 });

    const series = await dashboard(t, "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z");
    expect(series.bucket).toBe("hour");
    expect(series.points).toHaveLength(24);
    expect(series.points[0]!.start).toBe("2026-01-01T00:00:00.000Z");
    const [three, five] = [series.points[3]!, series.points[5]!];
    expect(three).toMatchObject({ runs: 2, finished_runs: 2, passed_runs: 2, success_rate: 1, cost: 1 });
    // Percentiles of the merged histogram (3 jobs at 10 ms, 1 at 30 ms), not an average of runs.
    expect(three.latency_ms.p50).toBeCloseTo(10, 1);
    expect(three.latency_ms.p99).toBeCloseTo(30, 1);
    expect(five).toMatchObject({ runs: 2, finished_runs: 2, passed_runs: 1, success_rate: 0.5, cost: 0.75 });
    expect(five.latency_ms.p99).toBeCloseTo(100, 0);
    expect(series.points[4]).toMatchObject({ runs: 0, success_rate: null, latency_ms: { p50: null } });
  });

  it("merges a bucket's histograms again once it gains runs, however often it was read before", async () => {
    const t = await platformApp();
    const window = "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z";
    await storeRun(t, "2026-01-01T03:10:00Z", { latencies: [10] });
    await storeRun(t, "2026-01-01T07:10:00Z", { latencies: [40] });
    await rebuildRollups(t.platform.store.db);
    for (let i = 0; i < 2; i++)
      expect((await dashboard(t, window)).points[3]!.latency_ms.p99).toBeCloseTo(10, 1);
    // A run created in that hour that finished (and was folded) later.
    await storeRun(t, "2026-01-01T03:20:00Z", { latencies: [90] });
    await rebuildRollups(t.platform.store.db);
    const series = await dashboard(t, window);
    expect(series.points[3]).toMatchObject({ runs: 2 });
    expect(series.points[3]!.latency_ms.p99).toBeCloseTo(90, 0);
    expect(series.points[7]!.latency_ms.p99).toBeCloseTo(40, 1);
  });

  it("narrows to one scenario", async () => {
    const t = await platformApp();
    await storeRun(t, "2026-01-01T03:10:00Z", { latencies: [10], scenarioId: 1 });
    await storeRun(t, "2026-01-01T03:40:00Z", { latencies: [30], scenarioId: 2 });
    await rebuildRollups(t.platform.store.db);
    const series = await dashboard(t, "from=2026-01-01T00:00:00Z&to=2026-01-01T06:00:00Z&scenario_id=2");
    expect(series.points[3]).toMatchObject({ runs: 1, cost: 0.5 });
    expect(series.points[3]!.latency_ms.p50).toBeCloseTo(30, 1);
  });

  it.each([
    ["from=2026-01-01T00:00:00Z&to=2026-01-04T00:00:00Z", "hour", 72],
    ["from=2026-01-01T00:00:00Z&to=2026-02-10T00:00:00Z", "day", 40],
    ["from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "month", 12],
  ])("answers %s in %s buckets (%i of them)", async (query, bucket, count) => {
    const t = await platformApp();
    const series = await dashboard(t, query);
    expect(series.bucket).toBe(bucket);
    expect(series.points).toHaveLength(count);
  });

  it("starts a window without a start at the first stored run", async () => {
    const t = await platformApp();
    await storeRun(t, "2026-01-01T03:10:00Z");
    await storeRun(t, "2026-01-20T08:00:00Z");
    await rebuildRollups(t.platform.store.db);
    const series = await dashboard(t, "to=2026-01-21T00:00:00Z");
    expect(series.bucket).toBe("day");
    expect(series.points[0]).toMatchObject({ start: "2026-01-01T00:00:00.000Z", runs: 1 });
    expect(series.points.at(-1)).toMatchObject({ start: "2026-01-20T00:00:00.000Z", runs: 1 });
  });
});
