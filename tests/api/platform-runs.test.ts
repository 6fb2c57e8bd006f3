import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { decodeHistogram, percentileOf } from "../../src/engine/index.js";
import { latencyHistogram } from "../../src/engine/stats/histogram.js";
import { platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

async function syntheticScenario(
  t: Awaited<ReturnType<typeof platformApp>>,
  { name = "s", jobs = 50, durationMs = 5, thresholds = [] as string[], load = undefined as unknown } = {},
): Promise<number> {
  const automation = await t.request("POST", "/api/v1/automations", {
    name: `${name}-automation`,
    kind: "synthetic",
    config: { duration_ms: durationMs },
  });
  expect(automation.statusCode).toBe(201);
  const scenario = await t.request("POST", "/api/v1/scenarios", {
    name,
    automation_id: automation.json().id,
    load: load ?? { model: "closed", jobs, concurrency: 10 },
    thresholds,
  });
  expect(scenario.statusCode).toBe(201);
  return scenario.json().id;
}

describe("triggering runs", () => {
  it("answers 202 with a pending run, then executes it in the background and stores the full result", async () => {
    const t = await platformApp();
    const scenarioId = await syntheticScenario(t, { jobs: 40, durationMs: 5, thresholds: ["p95<500ms"] });
    const triggered = await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId });
    expect(triggered.statusCode).toBe(202);
    expect(triggered.json()).toMatchObject({ status: "pending", scenario_id: scenarioId, source: "trigger" });

    const run = await t.waitForRun(triggered.json().id);
    expect(run).toMatchObject({
      status: "completed",
      total_jobs: 40,
      failed_jobs: 0,
      passed: true,
      attempts: 1,
    });
    expect(run.outcomes).toEqual({ succeeded: 40 });
    expect((run.latency_ms as { p50: number }).p50).toBeGreaterThanOrEqual(5);
    expect(run.timeline).toBeInstanceOf(Array);
    expect(run.environment).toMatchObject({
      node_version: process.version,
      store: "pglite",
      queue: "in-process",
    });
    // The stored histogram is the engine's: decodable and holding every job.
    expect(decodeHistogram(run.histogram as string).totalCount).toBe(40);
    expect(run.result).toMatchObject({ thresholds_passed: true, counts: { total: 40 } });
  });

  it("records a run whose thresholds fail as completed but not passed", async () => {
    const t = await platformApp();
    const scenarioId = await syntheticScenario(t, { jobs: 10, durationMs: 20, thresholds: ["p95<1ms"] });
    const id = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId })).json().id;
    const run = await t.waitForRun(id);
    expect(run).toMatchObject({ status: "completed", thresholds_passed: false, passed: false });
  });

  it("answers triggers sent together each with its own run, and an unknown scenario among them with 422", async () => {
    const t = await platformApp();
    const one = await syntheticScenario(t, { name: "one", jobs: 2, durationMs: 1 });
    const two = await syntheticScenario(t, { name: "two", jobs: 3, durationMs: 1 });
    const asked = Array.from({ length: 30 }, (_, i) => [one, two, 999][i % 3]!);
    const answers = await Promise.all(
      asked.map((scenario_id) => t.request("POST", "/api/v1/runs/trigger", { scenario_id })),
    );
    for (const [i, answer] of answers.entries()) {
      if (asked[i] === 999) {
        expect(answer.statusCode).toBe(422);
        continue;
      }
      expect(answer.statusCode).toBe(202);
      expect(answer.json()).toMatchObject({ scenario_id: asked[i], status: "pending" });
    }
    const ids = answers.filter((a) => a.statusCode === 202).map((a) => a.json().id as number);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) {
      const run = await t.waitForRun(id);
      expect(run.total_jobs).toBe(run.scenario_id === one ? 2 : 3);
    }
  });

  it("refuses a trigger for an unknown scenario with 422 naming the field", async () => {
    const t = await platformApp();
    const response = await t.request("POST", "/api/v1/runs/trigger", { scenario_id: 999 });
    expect(response.statusCode).toBe(422);
    expect(response.json().details).toEqual([
      expect.objectContaining({ field: "scenario_id", rule: "exists" }),
    ]);
  });

  it.each([
    [{}, "scenario_id"],
    [{ scenario_id: "one" }, "scenario_id"],
    [{ scenario_id: 1, extra: true }, "extra"],
  ])("refuses the trigger body %o with 400 naming %s", async (body, field) => {
    const t = await platformApp();
    const response = await t.request("POST", "/api/v1/runs/trigger", body);
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((d: { field: string }) => d.field)).toContain(field);
  });
});

describe("cancelling runs", () => {
  it("stops a running run, which keeps what it measured", async () => {
    const t = await platformApp();
    const scenarioId = await syntheticScenario(t, {
      load: { model: "closed", duration: "30s", concurrency: 5 },
      durationMs: 10,
    });
    const id = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId })).json().id;
    for (let i = 0; i < 200; i++) {
      if ((await t.request("GET", `/api/v1/runs/${id}`)).json().status === "running") break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancel = await t.request("POST", `/api/v1/runs/${id}/cancel`);
    expect(cancel.statusCode).toBe(202);
    const run = await t.waitForRun(id, 5000);
    expect(run).toMatchObject({ status: "cancelled", reason: "cancelled", passed: false });
    expect(run.total_jobs as number).toBeGreaterThan(10);
    expect(run.duration_s as number).toBeLessThan(5);

    const again = await t.request("POST", `/api/v1/runs/${id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe("already_finished");
  });

  it("answers 404 for an unknown run and 400 for an id that is not one", async () => {
    const t = await platformApp();
    expect((await t.request("POST", "/api/v1/runs/12345/cancel")).statusCode).toBe(404);
    const bad = await t.request("GET", "/api/v1/runs/abc");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toBe("id");
  });
});

describe("listing runs", () => {
  it("pages through every run exactly once with the cursor, in the order asked", async () => {
    const t = await platformApp();
    const scenarioId = await syntheticScenario(t, { jobs: 3, durationMs: 0 });
    const ids: number[] = [];
    for (let i = 0; i < 7; i++)
      ids.push((await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId })).json().id);
    for (const id of ids) await t.waitForRun(id);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.request("GET", `/api/v1/runs?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items.map((r: { id: number }) => r.id));
      cursor = page.json().next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const ascending = await t.request(
      "GET",
      `/api/v1/runs?sort=created_at&order=asc&limit=100&scenario_id=${scenarioId}`,
    );
    expect(ascending.json().items.map((r: { id: number }) => r.id)).toEqual(ids);
    const byStatus = await t.request("GET", "/api/v1/runs?status=failed,cancelled");
    expect(byStatus.json().items).toEqual([]);
  });

  it.each([
    ["cursor=notacursor", "cursor"],
    ["status=done", "status"],
    ["sort=name", "sort"],
    ["limit=0", "limit"],
    ["from=yesterday", "from"],
    ["unknown=1", "unknown"],
    ["scenario_id=0x10", "scenario_id"],
    ["automation_id=abc", "automation_id"],
  ])("refuses ?%s with 400 naming %s", async (query, field) => {
    const t = await platformApp();
    const response = await t.request("GET", `/api/v1/runs?${query}`);
    expect(response.statusCode).toBe(400);
    expect(
      response
        .json()
        .details.map((d: { field: string }) => d.field)
        .join(" "),
    ).toContain(field);
  });
});

describe("the KPI dashboard", () => {
  it("merges the runs' histograms for percentiles instead of averaging per-run percentiles", async () => {
    const t = await platformApp();
    const fast = await syntheticScenario(t, { name: "fast", jobs: 90, durationMs: 1 });
    const slow = await syntheticScenario(t, { name: "slow", jobs: 10, durationMs: 100 });
    const a = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: fast })).json().id;
    const b = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: slow })).json().id;
    const runs = [await t.waitForRun(a), await t.waitForRun(b)];

    const merged = latencyHistogram();
    for (const run of runs) merged.add(decodeHistogram(run.histogram as string));
    const kpis = (await t.request("GET", "/api/v1/runs/kpis/dashboard")).json();
    expect(kpis).toMatchObject({
      total_runs: 2,
      finished_runs: 2,
      passed_runs: 2,
      success_rate: 1,
      jobs: 100,
    });
    expect(kpis.latency_ms.p95).toBeCloseTo(percentileOf(merged, 95)! / 1000, 6);
    expect(kpis.latency_ms.p50).toBeCloseTo(percentileOf(merged, 50)! / 1000, 6);
    // 90 % of the jobs take ~1 ms: the merged median is fast although one of two runs is slow.
    expect(kpis.latency_ms.p50).toBeLessThan(50);
    expect(kpis.runs_by_status).toMatchObject({ completed: 2, pending: 0 });
    expect(kpis.scenarios.map((s: { scenario_name: string }) => s.scenario_name).sort()).toEqual([
      "fast",
      "slow",
    ]);
    expect(kpis.recent_runs).toHaveLength(2);

    const onlySlow = (await t.request("GET", `/api/v1/runs/kpis/dashboard?scenario_id=${slow}`)).json();
    expect(onlySlow.total_runs).toBe(1);
    expect(onlySlow.latency_ms.p50).toBeGreaterThanOrEqual(100);

    const future = (await t.request("GET", "/api/v1/runs/kpis/dashboard?from=2100-01-01T00:00:00Z")).json();
    expect(future).toMatchObject({ total_runs: 0, success_rate: null, latency_ms: { p50: null } });
  });

  it("refuses a window whose end comes before its start", async () => {
    const t = await platformApp();
    const response = await t.request(
      "GET",
      "/api/v1/runs/kpis/dashboard?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe("to");
  });
});

describe("the seed API on the platform", () => {
  it("records each POST /benchmark/run as a completed run", async () => {
    const t = await platformApp();
    const seed = await t.request("POST", "/benchmark/run", { num_jobs: 20, job_duration_ms: 1 });
    expect(seed.statusCode).toBe(200);
    const list = (await t.request("GET", "/api/v1/runs")).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      source: "benchmark_api",
      status: "completed",
      total_jobs: 20,
      scenario_id: null,
    });
  });
});

describe("the OpenAPI document", () => {
  it("is served at /docs/json as OpenAPI 3.1 and describes the platform routes", async () => {
    const t = await platformApp();
    const doc = (await t.request("GET", "/docs/json")).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/automations/",
      "/api/v1/scenarios/{id}",
      "/api/v1/runs/trigger",
      "/api/v1/runs/kpis/dashboard",
      "/benchmark/run",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect((await t.request("GET", "/docs")).statusCode).toBeLessThan(400);
  });
});

describe("comparing runs", () => {
  it("calls a run with slower jobs a latency regression against the baseline, and the reverse an improvement", async () => {
    const t = await platformApp();
    const fast = await syntheticScenario(t, { name: "fast", jobs: 200, durationMs: 2 });
    // Far apart (2 ms vs 40 ms), so that a stall of a few fast jobs on a busy machine cannot push
    // the fast run's tail past the slow run's and turn the improvement into a p99 regression.
    const slow = await syntheticScenario(t, { name: "slow", jobs: 200, durationMs: 40 });
    const baseline = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: fast })).json().id;
    const current = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: slow })).json().id;
    await t.waitForRun(baseline);
    await t.waitForRun(current);

    const regression = await t.request("GET", `/api/v1/runs/${current}/compare?baseline=${baseline}`);
    expect(regression.statusCode).toBe(200);
    const body = regression.json();
    expect(body).toMatchObject({ run_id: current, baseline_id: baseline, verdict: "regression" });
    const p95 = body.metrics.find((m: { metric: string }) => m.metric === "latency_p95_ms");
    expect(p95).toMatchObject({ verdict: "regression", test: "mann_whitney_u", better: "lower" });
    expect(p95.p_value).toBeLessThan(0.001);

    const improvement = (
      await t.request("GET", `/api/v1/runs/${baseline}/compare?baseline=${current}`)
    ).json();
    expect(improvement, JSON.stringify(improvement.metrics)).toMatchObject({ verdict: "improvement" });
  });

  it("uses the scenario's pinned baseline when none is given, and says so when there is none", async () => {
    const t = await platformApp();
    const scenario = await syntheticScenario(t, { jobs: 50, durationMs: 2 });
    const first = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenario })).json().id;
    await t.waitForRun(first);
    const second = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenario })).json().id;
    await t.waitForRun(second);

    const missing = await t.request("GET", `/api/v1/runs/${second}/compare`);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().details[0]).toMatchObject({ field: "baseline", rule: "required" });

    expect(
      (await t.request("PUT", `/api/v1/scenarios/${scenario}/baseline`, { run_id: first })).statusCode,
    ).toBe(200);
    const compared = (await t.request("GET", `/api/v1/runs/${second}/compare`)).json();
    expect(compared.baseline_id).toBe(first);
    expect(compared.metrics).toHaveLength(8);
    expect((await t.request("GET", `/api/v1/runs/${second}/compare?baseline=999`)).statusCode).toBe(422);
  });

  it("refuses to compare with a run that measured nothing, naming the field", async () => {
    const t = await platformApp();
    const scenario = await syntheticScenario(t, { jobs: 20, durationMs: 1 });
    const measured = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenario })).json().id;
    await t.waitForRun(measured);
    // Cancelled before it could start: a run without measurements.
    const unmeasured = (await t.platform.runs.create({ scenarioId: scenario, source: "trigger", spec: {} }))
      .id;
    await t.platform.runs.end(unmeasured, "cancelled", "cancelled");
    const refused = await t.request("GET", `/api/v1/runs/${measured}/compare?baseline=${unmeasured}`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: "not_comparable" });
    expect(refused.json().details[0]).toMatchObject({ field: "baseline", rule: "measured" });
  });
});

describe("sharded runs", () => {
  it("splits a run into shard jobs and merges them into the result one process gives for the same seeded workload", async () => {
    const t = await platformApp({ env: { AUREA_RUN_CONCURRENCY: "4" } });
    const automation = await t.request("POST", "/api/v1/automations", {
      name: "uneven",
      kind: "synthetic",
      config: { duration_ms: 20, distribution: "uniform", failure_rate: 0.2 },
    });
    const load = { model: "closed", jobs: 90, concurrency: 9 };
    const scenario = async (name: string, shards: number) => {
      const created = await t.request("POST", "/api/v1/scenarios", {
        name,
        automation_id: automation.json().id,
        load,
        shards,
        seed: 7,
        thresholds: ["error_rate<50%"],
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ shards, allow_partial: false, seed: 7 });
      return created.json().id;
    };
    const whole = (
      await t.request("POST", "/api/v1/runs/trigger", { scenario_id: await scenario("whole", 1) })
    ).json().id;
    const split = (
      await t.request("POST", "/api/v1/runs/trigger", { scenario_id: await scenario("split", 3) })
    ).json().id;
    const one = await t.waitForRun(whole, 30_000);
    const three = await t.waitForRun(split, 30_000);
    expect(three).toMatchObject({ status: "completed", passed: true, total_jobs: 90 });
    // The same seeded jobs: the same ones fail, whichever shard ran them.
    expect(three.failed_jobs).toBeGreaterThan(0);
    expect(three.failed_jobs).toBe(one.failed_jobs);
    expect(three.outcomes).toEqual(one.outcomes);
    // The merged histogram holds every job of every shard, and the timeline every completion.
    expect(decodeHistogram(three.histogram as string).totalCount).toBe(90);
    const timeline = three.timeline as { completed: number; failed: number }[];
    expect(timeline.reduce((sum, p) => sum + p.completed + p.failed, 0)).toBe(90);
    // Same jobs, same durations: the same latency to within timer jitter (exact on virtual
    // time: see the engine's merge tests).
    const latency = (r: Record<string, unknown>) => r.latency_ms as { p50: number; p99: number };
    expect(Math.abs(latency(three).p50 - latency(one).p50)).toBeLessThan(5);

    const rows = await t.platform.store.db.execute(
      sql`select shard, status, executor from run_shards where run_id = ${split} order by shard`,
    );
    const shards = (rows as unknown as { rows: { shard: number; status: string }[] }).rows;
    expect(shards.map((s) => [s.shard, s.status])).toEqual([
      [0, "completed"],
      [1, "completed"],
      [2, "completed"],
    ]);
  });

  it("fails a sharded run with the failing shard's reason", async () => {
    const t = await platformApp();
    const automation = await t.request("POST", "/api/v1/automations", {
      name: "private",
      kind: "http",
      config: { url: "http://10.0.0.1/" },
    });
    const scenario = await t.request("POST", "/api/v1/scenarios", {
      name: "blocked",
      automation_id: automation.json().id,
      load: { model: "closed", jobs: 4 },
      shards: 2,
    });
    const id = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenario.json().id })).json()
      .id;
    const run = await t.waitForRun(id, 30_000);
    expect(run).toMatchObject({ status: "failed", reason: "shard_failed" });
    expect(run.error).toMatch(/^shard 0 of 2: /);
  });

  it.each([0, 65, 1.5])("refuses shards %j with 400 naming shards", async (shards) => {
    const t = await platformApp();
    const automation = await t.request("POST", "/api/v1/automations", {
      name: "a",
      kind: "synthetic",
      config: {},
    });
    const response = await t.request("POST", "/api/v1/scenarios", {
      name: "s",
      automation_id: automation.json().id,
      shards,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((d: { field: string }) => d.field)).toContain("shards");
  });
});
