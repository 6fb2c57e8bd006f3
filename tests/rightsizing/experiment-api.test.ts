import { afterEach, describe, expect, it } from "vitest";
import { type PlatformApp, platformApps } from "../support/platform-app.js";
import { DRIVERS } from "../support/stores.js";
import { type CapacityTarget, startCapacityTarget } from "./experiment-target.js";

const LOOPBACK = { AUREA_ALLOW_HOSTS: "127.0.0.1" };
const open = platformApps("pglite");

// biome-ignore lint/suspicious/noExplicitAny: API answers are read as open-ended JSON.
type Json = Record<string, any>;

async function waitFor(
  t: PlatformApp,
  id: number,
  done: (experiment: Json) => boolean,
  timeoutMs = 60_000,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const experiment = (await t.request("GET", `/api/v1/experiments/${id}`)).json() as Json;
    if (done(experiment)) return experiment;
    if (Date.now() > deadline)
      throw new Error(`experiment ${id}: ${JSON.stringify(experiment).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const ended = (e: Json) => !["pending", "running"].includes(e.status);

describe.each(DRIVERS)("/api/v1/experiments against a real HTTP target of known capacity (%s)", (driver) => {
  const open = platformApps(driver);
  let target: CapacityTarget | undefined;
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  it("steps the load, stores each step as a run, and lands the capacity per replica near the target's", async () => {
    // 2 workers × 40 ms: 50 jobs/s; the SLO fails right above it (and not below it on a busy
    // machine: 250 ms is far above the 40 ms a request takes below capacity).
    target = await startCapacityTarget({ slots: 2, serviceMs: 40 });
    const t = await open({ env: LOOPBACK });
    const created = await t.request("POST", "/api/v1/experiments", {
      target: { kind: "http", url: target.url },
      rates: [20, 35, 45, 65, 80],
      step_duration: "2s",
      warmup: "1s",
      graceful_stop: "1s",
      slo: ["p95<250ms"],
    });
    expect(created.statusCode).toBe(202);
    const body = created.json() as Json;
    expect(created.headers.location).toBe(`/api/v1/experiments/${body.id}`);
    expect(body).toMatchObject({ status: "pending", steps: [] });
    // Defaults written out, the error-rate SLO added.
    expect(body.spec).toMatchObject({
      step_duration: "2s",
      warmup: "1s",
      slo: ["p95<250ms", "error_rate<1%"],
    });

    const done = await waitFor(t, body.id, ended);
    expect(done.status).toBe("complete");
    expect(done.error).toBeNull();
    // 80/s is skipped: the SLO failed at 65/s already.
    expect(done.steps.map((s: Json) => [s.step, s.load, s.status])).toEqual([
      [1, 20, "complete"],
      [2, 35, "complete"],
      [3, 45, "complete"],
      [4, 65, "complete"],
    ]);
    const passed = done.steps.map((s: Json) => s.measurements.slo_passed);
    expect(passed).toEqual([true, true, true, false]);
    for (const s of done.steps.slice(0, 3)) {
      expect(s.measurements.throughput).toBeGreaterThan(s.load * 0.9);
      expect(s.measurements.throughput).toBeLessThan(s.load * 1.1);
      expect(s.measurements.latency_ms.p50).toBeGreaterThanOrEqual(40);
      expect(s.measurements.error_rate).toBe(0);
    }
    // Overloaded: throughput pinned at the capacity, latency growing with the queue.
    expect(done.steps[3].measurements.throughput).toBeLessThan(55);
    expect(done.steps[3].measurements.latency_ms.p95).toBeGreaterThan(250);

    const result = done.result as Json;
    expect(result).toMatchObject({
      status: "interpolated",
      slo: ["p95<250ms", "error_rate<1%"],
      steps_complete: 4,
      steps_planned: 5,
    });
    expect(result.capacity_per_replica).toBeGreaterThan(target.capacity() * 0.85);
    expect(result.capacity_per_replica).toBeLessThanOrEqual(target.capacity() * 1.05);
    expect(result.by_replicas[0]).toMatchObject({ replicas: 1, last_passing_step: 3, first_failing_step: 4 });

    // Each step is a completed run on the dashboard, its environment pointing back.
    for (const s of done.steps) {
      const run = (await t.request("GET", `/api/v1/runs/${s.run_id}`)).json() as Json;
      expect(run.status).toBe("completed");
      expect(run.source).toBe("experiment");
      expect(run.scenario_name).toBe(`experiment ${body.id} step ${s.step}: ${s.load}/s × 1`);
      expect(run.environment).toMatchObject({ experiment_id: body.id, experiment_step: s.step });
      expect(run.spec.load).toMatchObject({ model: "open", rate: s.load, duration: "3000ms" });
    }

    // The run listing answers them with their source, and filters on the dashboard's terms.
    const listed = await t.request("GET", "/api/v1/runs?limit=10");
    expect(listed.statusCode, listed.body).toBe(200);
    const items = (listed.json() as Json).items as Json[];
    expect(items.map((r) => [r.id, r.source]).sort()).toEqual(
      done.steps.map((s: Json) => [s.run_id, "experiment"]).sort(),
    );
    const completed = await t.request("GET", "/api/v1/runs?status=completed&sort=p95_ms&order=asc");
    expect(completed.statusCode, completed.body).toBe(200);
    expect((completed.json() as Json).items).toHaveLength(4);

    const csv = await t.request("GET", `/api/v1/experiments/${body.id}/export.csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body.trim().split("\n");
    // Every planned step: the four measured, and 80/s skipped after the SLO failed at 65/s.
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe(`5,1,skipped,80,${",".repeat(20)}skipped: the SLO failed at step 4 (65/s)`);
    expect(lines[0]).toMatch(/^step,replicas,status,offered_rate,throughput,/);
    const header = lines[0]!.split(",");
    const row = lines[4]!.split(",");
    expect(row[header.indexOf("slo_passed")]).toBe("false");
    expect(Number(row[header.indexOf("p95_ms")])).toBeCloseTo(done.steps[3].measurements.latency_ms.p95, 6);

    const metadata = (await t.request("GET", `/api/v1/experiments/${body.id}/metadata.json`)).json() as Json;
    expect(metadata).toMatchObject({
      experiment: { id: body.id, status: "complete" },
      target: { kind: "http", url: target.url },
      load: { model: "open", rates: [20, 35, 45, 65, 80], step_duration: "2s", warmup: "1s" },
      slo: ["p95<250ms", "error_rate<1%"],
      prometheus: null,
      quality: { steps_planned: 5, steps_complete: 4, steps_with_cpu: 0 },
      result: { capacity_per_replica: result.capacity_per_replica },
    });
    expect(metadata.columns.map((c: Json) => c.name)).toEqual(header);

    const list = (await t.request("GET", "/api/v1/experiments")).json() as Json;
    expect(list.items.map((e: Json) => e.id)).toEqual([body.id]);
    expect(list.next_cursor).toBeNull();
    expect(list.items[0].steps).toBeUndefined();

    const metrics = (await t.request("GET", "/metrics")).body;
    expect(metrics).toMatch(/aurea_rightsizing_experiments_total\{status="complete"\} 1/);
    expect(metrics).toMatch(/aurea_rightsizing_experiment_steps_total\{status="complete"\} 4/);
    expect(metrics).toMatch(/aurea_rightsizing_experiments_active 0/);
  }, 90_000);

  it("runs a scenario's HTTP automation as the target, one experiment at a time", async () => {
    target = await startCapacityTarget({ slots: 4, serviceMs: 10 });
    const t = await open({ env: LOOPBACK });
    const automation = (
      await t.request("POST", "/api/v1/automations", {
        name: "target",
        kind: "http",
        config: { url: target.url, headers: { "x-who": "{{input.who}}" } },
      })
    ).json() as Json;
    const scenario = (
      await t.request("POST", "/api/v1/scenarios", {
        name: "target scenario",
        automation_id: automation.id,
        load: { model: "closed", jobs: 1 },
        inputs: { who: "experiment" },
      })
    ).json() as Json;
    const spec = {
      target: { kind: "scenario", scenario_id: scenario.id },
      rates: [20],
      step_duration: "1s",
      warmup: "0s",
      slo: ["p95<1s"],
    };
    const first = (await t.request("POST", "/api/v1/experiments", spec)).json() as Json;
    const second = (await t.request("POST", "/api/v1/experiments", spec)).json() as Json;
    expect(first.name).toBe("target at 20/s");
    // The second waits for the first: both measuring at once would measure each other.
    const running = await waitFor(t, first.id, (e) => e.status === "running");
    expect(running.status).toBe("running");
    expect(((await t.request("GET", `/api/v1/experiments/${second.id}`)).json() as Json).status).toBe(
      "pending",
    );
    const a = await waitFor(t, first.id, ended);
    const b = await waitFor(t, second.id, ended);
    expect([a.status, b.status]).toEqual(["complete", "complete"]);
    expect(new Date(b.started_at).getTime()).toBeGreaterThanOrEqual(new Date(a.finished_at).getTime());
    expect(a.result).toMatchObject({ status: "lower_bound" });
    const run = (await t.request("GET", `/api/v1/runs/${a.steps[0].run_id}`)).json() as Json;
    expect(run).toMatchObject({ automation_id: automation.id, automation_name: "target", scenario_id: null });
    expect(run.spec.inputs).toEqual({ who: "experiment" });
  }, 60_000);

  it("cancels a running experiment within a second, keeping the steps complete so far", async () => {
    target = await startCapacityTarget();
    const t = await open({ env: LOOPBACK });
    const created = (
      await t.request("POST", "/api/v1/experiments", {
        target: { kind: "http", url: target.url },
        rates: [10, 20, 30],
        step_duration: "1s",
        warmup: "0s",
        continue_after_failure: true,
      })
    ).json() as Json;
    // Wait for step 2 (a long one would do as well: the engine stops mid-step).
    await waitFor(t, created.id, (e) => e.steps?.some((s: Json) => s.step === 2 && s.status === "running"));
    const asked = performance.now();
    const cancelled = await t.request("POST", `/api/v1/experiments/${created.id}/cancel`);
    const took = performance.now() - asked;
    expect(cancelled.statusCode).toBe(202);
    expect(took).toBeLessThan(1000);
    const done = (await t.request("GET", `/api/v1/experiments/${created.id}`)).json() as Json;
    expect(done.status).toBe("cancelled");
    expect(done.steps.map((s: Json) => [s.step, s.status])).toEqual([
      [1, "complete"],
      [2, "failed"],
    ]);
    expect(done.steps[1].measurements.cancelled).toBe(true);
    expect(done.steps[1].run_id).toBeNull();
    expect(done.result).toMatchObject({ steps_complete: 1, status: "lower_bound" });
    const again = await t.request("POST", `/api/v1/experiments/${created.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: "already_finished" });
    expect((await t.request("GET", "/metrics")).body).toMatch(
      /aurea_rightsizing_experiments_total\{status="cancelled"\} 1/,
    );
  }, 60_000);

  it("pages the list newest first with a cursor", async () => {
    const t = await open({ env: LOOPBACK });
    const ids: number[] = [];
    // Pending behind the first; cancelled right away so that nothing loads the target.
    for (let i = 0; i < 3; i++) {
      const e = (
        await t.request("POST", "/api/v1/experiments", {
          target: { kind: "http", url: "http://127.0.0.1:9/" },
          rates: [10],
          name: `e${i}`,
        })
      ).json() as Json;
      ids.push(e.id);
      await t.request("POST", `/api/v1/experiments/${e.id}/cancel`);
    }
    const first = (await t.request("GET", "/api/v1/experiments?limit=2")).json() as Json;
    expect(first.items.map((e: Json) => e.id)).toEqual([ids[2], ids[1]]);
    const second = (
      await t.request("GET", `/api/v1/experiments?limit=2&cursor=${first.next_cursor}`)
    ).json() as Json;
    expect(second.items.map((e: Json) => e.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();
    const filtered = (await t.request("GET", "/api/v1/experiments?status=cancelled,complete")).json() as Json;
    expect(filtered.items).toHaveLength(3);
  });
});

describe("/api/v1/experiments refuses bad input with the field and the rule", () => {
  const good = { target: { kind: "http", url: "http://127.0.0.1:9/" }, rates: [10] };

  it.each([
    ["no rates", { ...good, rates: [] }, "rates", /at least one rate/],
    ["a negative rate", { ...good, rates: [10, -5] }, "rates.1", /above 0/],
    ["a rate that is not a number", { ...good, rates: ["ten"] }, "rates.0", /number/],
    [
      "a step of a fraction of a second",
      { ...good, step_duration: "1.5s" },
      "step_duration",
      /whole number of seconds/,
    ],
    ["a step that is not a duration", { ...good, step_duration: "soon" }, "step_duration", /duration/],
    [
      "an SLO percentile not reported",
      { ...good, slo: ["p97<300ms"] },
      "slo.0",
      /p50, p90, p95, p99 and p99.9/,
    ],
    ["an SLO on throughput", { ...good, slo: ["throughput>10"] }, "slo.0", /latency/],
    ["an SLO that is not a threshold", { ...good, slo: ["fast please"] }, "slo.0", /not a threshold/],
    ["an unknown field", { ...good, ramp: true }, "ramp", /not a known field/],
    ["a target without a kind", { ...good, target: { url: "http://127.0.0.1/" } }, "target.kind", /kind/],
    [
      "a target URL that is not http",
      { ...good, target: { kind: "http", url: "ftp://x/" } },
      "target.url",
      /http/,
    ],
    [
      "Prometheus without a namespace or queries",
      { ...good, prometheus: { url: "http://127.0.0.1:9090" } },
      "namespace",
      /required with prometheus/,
    ],
    ["a repeated replica count", { ...good, replicas: [2, 2] }, "replicas", /repeat/],
    [
      "a namespace that is not a Kubernetes name",
      { ...good, namespace: "Shop_1" },
      "namespace",
      /Kubernetes name/,
    ],
    [
      "too many steps",
      {
        ...good,
        rates: Array.from({ length: 50 }, (_, i) => i + 1),
        replicas: [1, 2, 3, 4, 5],
        namespace: "a",
        workload: "b",
      },
      "rates",
      /at most 200/,
    ],
  ])("%s", async (_, body, field, message) => {
    const t = await open({ env: LOOPBACK });
    const response = await t.request("POST", "/api/v1/experiments", body);
    expect(response.statusCode).toBe(400);
    const error = response.json() as Json;
    expect(error.error).toBe("validation_error");
    const detail = error.details.find((d: Json) => d.field === field);
    expect(detail, JSON.stringify(error.details)).toBeDefined();
    expect(detail.message).toMatch(message);
  });

  it("refuses a target and a Prometheus the address policy does not allow (422 naming the field)", async () => {
    const t = await open();
    const target = await t.request("POST", "/api/v1/experiments", good);
    expect(target.statusCode).toBe(422);
    expect(target.json()).toMatchObject({
      error: "target_not_allowed",
      details: [
        {
          field: "target.url",
          rule: "address_allowed",
          message: expect.stringContaining("AUREA_ALLOW_HOSTS"),
        },
      ],
    });
    const allowed = await open({ env: { AUREA_ALLOW_HOSTS: "127.0.0.2" } });
    const prometheus = await allowed.request("POST", "/api/v1/experiments", {
      target: { kind: "http", url: "http://127.0.0.2:9/" },
      rates: [10],
      namespace: "shop",
      prometheus: { url: "http://127.0.0.1:9090" },
    });
    expect(prometheus.statusCode).toBe(422);
    expect(prometheus.json().details[0]).toMatchObject({ field: "prometheus.url", rule: "address_allowed" });
    expect(((await allowed.request("GET", "/api/v1/experiments")).json() as Json).items).toEqual([]);
  });

  it("refuses an unknown scenario (422) and a TinyFish one (400)", async () => {
    const t = await open({ env: LOOPBACK });
    const unknown = await t.request("POST", "/api/v1/experiments", {
      ...good,
      target: { kind: "scenario", scenario_id: 99 },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json()).toMatchObject({
      error: "unknown_reference",
      details: [{ field: "target.scenario_id", rule: "exists" }],
    });
    const automation = (
      await t.request("POST", "/api/v1/automations", {
        name: "agent",
        kind: "tinyfish",
        config: { url: "https://example.com", goal: "look", api_key: { env: "TINYFISH_API_KEY" } },
      })
    ).json() as Json;
    const scenario = (
      await t.request("POST", "/api/v1/scenarios", {
        name: "agent scenario",
        automation_id: automation.id,
        load: { model: "closed", jobs: 1 },
      })
    ).json() as Json;
    const tinyfish = await t.request("POST", "/api/v1/experiments", {
      ...good,
      target: { kind: "scenario", scenario_id: scenario.id },
    });
    expect(tinyfish.statusCode).toBe(400);
    expect(tinyfish.json().details[0]).toMatchObject({
      field: "target.scenario_id",
      rule: "automation_kind",
    });
  });

  it("answers 404 for an unknown experiment, and 400 for a bad cursor or status filter", async () => {
    const t = await open({ env: LOOPBACK });
    for (const path of [
      "/api/v1/experiments/99",
      "/api/v1/experiments/99/export.csv",
      "/api/v1/experiments/99/metadata.json",
    ])
      expect((await t.request("GET", path)).statusCode).toBe(404);
    expect((await t.request("POST", "/api/v1/experiments/99/cancel")).statusCode).toBe(404);
    const cursor = await t.request("GET", "/api/v1/experiments?cursor=nonsense");
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().details[0]).toMatchObject({ field: "cursor", rule: "invalid_cursor" });
    const status = await t.request("GET", "/api/v1/experiments?status=done");
    expect(status.statusCode).toBe(400);
    expect(status.json().details[0].field).toBe("status.0");
  });

  it("documents the routes in the OpenAPI document", async () => {
    const t = await open();
    const doc = (await t.request("GET", "/docs/json")).json() as Json;
    for (const path of [
      "/api/v1/experiments/",
      "/api/v1/experiments/{id}",
      "/api/v1/experiments/{id}/cancel",
      "/api/v1/experiments/{id}/export.csv",
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});
