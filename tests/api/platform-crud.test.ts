import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/api/errors.js";
import { type PlatformApp, platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

const AUTOMATIONS = "/api/v1/automations";
const SCENARIOS = "/api/v1/scenarios";
const SECRETS = "/api/v1/secrets";

type Json = Record<string, unknown>;

const synthetic = (name = "synthetic-a", config?: Json): Json => ({
  name,
  kind: "synthetic",
  ...(config ? { config } : {}),
});
const http = (name = "http-a", config: Json = {}): Json => ({
  name,
  kind: "http",
  config: { url: "https://api.example.com/orders", ...config },
});
const tinyfish = (name = "tinyfish-a", config: Json = {}): Json => ({
  name,
  kind: "tinyfish",
  config: {
    url: "https://shop.example.com",
    goal: "Find the cheapest item",
    api_key: { env: "TF_KEY" },
    ...config,
  },
});

/** Asserts a JSON error body with this status and code (no stack trace), and returns it. */
function errorOf(response: LightMyRequestResponse, statusCode: number, error?: string): ErrorBody {
  expect(response.statusCode, response.body).toBe(statusCode);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  const body = response.json<ErrorBody>();
  expect(body.statusCode).toBe(statusCode);
  if (error !== undefined) expect(body.error).toBe(error);
  expect(body.message.length).toBeGreaterThan(0);
  expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return body;
}

/** Asserts that the error's details name `field` with `rule`. */
function expectDetail(body: ErrorBody, field: string, rule: string): void {
  expect(body.details, JSON.stringify(body)).toContainEqual({ field, rule, message: expect.any(String) });
}

/** Sends `payload` byte for byte with this content type (`null`: none). */
const sendRaw = (t: PlatformApp, method: string, url: string, payload: string, type: string | null) =>
  t.app.inject({
    method: method as "POST",
    url,
    payload,
    ...(type ? { headers: { "content-type": type } } : {}),
  });

/** Rows of `[what, input, field, rule]` as `[what, field, rule, input]`, so test names read well. */
const named = <T>(rows: [string, T, string, string][]) =>
  rows.map(([what, input, field, rule]) => [what, field, rule, input] as const);

async function created(t: PlatformApp, url: string, body: Json): Promise<Json & { id: number }> {
  const response = await t.request("POST", url, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe("automations", () => {
  it("refuses to give an automation a placeholder its scenarios have no input for, naming them", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, http("search", { body: '{"q":"{{input.q}}"}' }));
    const scenario = await created(t, SCENARIOS, {
      name: "s",
      automation_id: automation.id,
      inputs: { q: "shoes" },
    });
    const more = http("search", { body: '{"q":"{{input.q}}","lang":"{{input.lang}}"}' });
    const refused = errorOf(await t.request("PUT", `${AUTOMATIONS}/${automation.id}`, more), 409, "in_use");
    expectDetail(refused, "config", "scenario_inputs");
    expect(refused.message).toContain(`scenarios ${scenario.id} `);
    expect((await t.request("GET", `${AUTOMATIONS}/${automation.id}`)).json().config.body).toBe(
      '{"q":"{{input.q}}"}',
    );
    // Once the scenario has the input, the automation may use it.
    const updated = await t.request("PUT", `${SCENARIOS}/${scenario.id}`, {
      name: "s",
      automation_id: automation.id,
      inputs: { q: "shoes", lang: "en" },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect((await t.request("PUT", `${AUTOMATIONS}/${automation.id}`, more)).statusCode).toBe(200);
  });

  it.each([
    ["synthetic", synthetic("job"), synthetic("job", { duration_ms: 5, failure_rate: 0.5 })],
    ["http", http("api"), http("api", { method: "POST", body: '{"q":1}', expect_status: [201] })],
    ["tinyfish", tinyfish("agent"), tinyfish("agent", { goal: "Find two items", cost_per_step: 0.02 })],
  ])(
    "creates, reads, lists, replaces and deletes an automation of kind %s",
    async (kind, body, replacement) => {
      const t = await platformApp();
      const automation = await created(t, AUTOMATIONS, { ...body, description: "first" });
      expect(automation).toMatchObject({ name: body.name, kind, description: "first" });
      expect(Date.parse(automation.created_at as string)).not.toBeNaN();

      const read = await t.request("GET", `${AUTOMATIONS}/${automation.id}`);
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(automation);
      expect((await t.request("GET", AUTOMATIONS)).json().items).toEqual([automation]);

      const replaced = await t.request("PUT", `${AUTOMATIONS}/${automation.id}`, replacement);
      expect(replaced.statusCode, replaced.body).toBe(200);
      expect(replaced.json()).toMatchObject({
        id: automation.id,
        kind,
        description: "",
        config: replacement.config as Json,
        created_at: automation.created_at,
      });
      expect(Date.parse(replaced.json().updated_at)).toBeGreaterThanOrEqual(
        Date.parse(automation.updated_at as string),
      );
      expect((await t.request("GET", `${AUTOMATIONS}/${automation.id}`)).json()).toEqual(replaced.json());

      const deleted = await t.request("DELETE", `${AUTOMATIONS}/${automation.id}`);
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe("");
      errorOf(await t.request("GET", `${AUTOMATIONS}/${automation.id}`), 404, "not_found");
      expect((await t.request("GET", AUTOMATIONS)).json().items).toEqual([]);
    },
  );

  it("fills each kind's defaults: the synthetic job, GET with a 30 s timeout for http, price and timeout for tinyfish", async () => {
    const t = await platformApp();
    expect((await created(t, AUTOMATIONS, synthetic())).config).toEqual({
      duration_ms: 100,
      distribution: "fixed",
      failure_rate: 0,
      mode: "sleep",
    });
    expect((await created(t, AUTOMATIONS, http())).config).toEqual({
      url: "https://api.example.com/orders",
      method: "GET",
      headers: {},
      timeout_ms: 30_000,
    });
    expect((await created(t, AUTOMATIONS, tinyfish())).config).toEqual({
      url: "https://shop.example.com",
      goal: "Find the cheapest item",
      api_key: { env: "TF_KEY" },
      cost_per_step: 0.016,
      timeout_ms: 600_000,
    });
  });

  it("refuses a second automation with the same name with 409 naming name, on create and on replace", async () => {
    const t = await platformApp();
    await created(t, AUTOMATIONS, synthetic("taken"));
    const other = await created(t, AUTOMATIONS, synthetic("other"));
    expectDetail(
      errorOf(await t.request("POST", AUTOMATIONS, http("taken")), 409, "conflict"),
      "name",
      "unique",
    );
    expectDetail(
      errorOf(await t.request("PUT", `${AUTOMATIONS}/${other.id}`, synthetic("taken")), 409, "conflict"),
      "name",
      "unique",
    );
    // Names are trimmed before they are compared.
    errorOf(await t.request("POST", AUTOMATIONS, synthetic("  taken ")), 409, "conflict");
  });

  it("refuses to delete an automation its scenarios use with 409 in_use; ?cascade=true deletes them together", async () => {
    const t = await platformApp();
    const used = await created(t, AUTOMATIONS, synthetic("used"));
    const kept = await created(t, AUTOMATIONS, synthetic("kept"));
    const a = await created(t, SCENARIOS, { name: "a", automation_id: used.id });
    const b = await created(t, SCENARIOS, { name: "b", automation_id: used.id });
    const c = await created(t, SCENARIOS, { name: "c", automation_id: kept.id });

    const refused = errorOf(await t.request("DELETE", `${AUTOMATIONS}/${used.id}`), 409, "in_use");
    expectDetail(refused, "id", "in_use");
    expect(refused.message).toContain(`${a.id}, ${b.id}`);
    expect((await t.request("DELETE", `${AUTOMATIONS}/${used.id}?cascade=false`)).statusCode).toBe(409);
    expect((await t.request("GET", `${AUTOMATIONS}/${used.id}`)).statusCode).toBe(200);

    expect((await t.request("DELETE", `${AUTOMATIONS}/${used.id}?cascade=true`)).statusCode).toBe(204);
    expect((await t.request("GET", `${AUTOMATIONS}/${used.id}`)).statusCode).toBe(404);
    expect((await t.request("GET", `${SCENARIOS}/${a.id}`)).statusCode).toBe(404);
    expect((await t.request("GET", `${SCENARIOS}/${b.id}`)).statusCode).toBe(404);
    expect((await t.request("GET", SCENARIOS)).json().items.map((s: Json) => s.id)).toEqual([c.id]);
  });

  it("refuses ?cascade=maybe with 400 naming cascade, and deletes nothing", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const response = await t.request("DELETE", `${AUTOMATIONS}/${automation.id}?cascade=maybe`);
    expectDetail(errorOf(response, 400, "validation_error"), "cascade", "invalid_value");
    expect((await t.request("GET", `${AUTOMATIONS}/${automation.id}`)).statusCode).toBe(200);
  });
});

describe("unknown and malformed ids", () => {
  it.each([
    ["GET", `${AUTOMATIONS}/999`, undefined],
    ["PUT", `${AUTOMATIONS}/999`, synthetic()],
    ["DELETE", `${AUTOMATIONS}/999`, undefined],
    ["GET", `${SCENARIOS}/999`, undefined],
    ["PUT", `${SCENARIOS}/999`, { name: "s", automation_id: 1 }],
    ["PUT", `${SCENARIOS}/999/baseline`, { run_id: null }],
    ["DELETE", `${SCENARIOS}/999`, undefined],
    ["GET", "/api/v1/runs/999", undefined],
    ["POST", "/api/v1/runs/999/cancel", undefined],
    ["GET", "/api/v1/runs/999/events", undefined],
  ])("answers 404 to %s %s", async (method, url, body) => {
    const t = await platformApp();
    await created(t, AUTOMATIONS, synthetic());
    const error = errorOf(await t.request(method, url, body), 404, "not_found");
    expect(error.message).toContain("999");
  });

  it.each(["abc", "0", "-1", "1.5", "99999999999999999999", "0x10", "1e1", "012", "%2012"])(
    "answers 400 naming id to the id %j on every route that takes one",
    async (id) => {
      const t = await platformApp();
      for (const [method, url, body] of [
        ["GET", `${AUTOMATIONS}/${id}`, undefined],
        ["PUT", `${AUTOMATIONS}/${id}`, synthetic()],
        ["DELETE", `${AUTOMATIONS}/${id}`, undefined],
        ["GET", `${SCENARIOS}/${id}`, undefined],
        ["PUT", `${SCENARIOS}/${id}/baseline`, { run_id: null }],
        ["DELETE", `${SCENARIOS}/${id}`, undefined],
        ["GET", `/api/v1/runs/${id}`, undefined],
        ["POST", `/api/v1/runs/${id}/cancel`, undefined],
        ["GET", `/api/v1/runs/${id}/events`, undefined],
      ] as const) {
        const error = errorOf(await t.request(method, url, body), 400, "validation_error");
        expect(error.details?.map((d) => d.field)).toContain("id");
      }
    },
  );
});

describe("scenarios", () => {
  it.each([
    ["closed", { model: "closed", jobs: 20, concurrency: 4, duration: "10s" }],
    ["open", { model: "open", rate: 50, duration: "30s", max_in_flight: 10 }],
    [
      "stages",
      {
        model: "stages",
        target: "concurrency",
        start: 1,
        stages: [
          { duration: "5s", target: 10 },
          { duration: 10, target: 0 },
        ],
      },
    ],
  ])("stores a scenario with the %s load model as written", async (_model, load) => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const scenario = await created(t, SCENARIOS, { name: "load", automation_id: automation.id, load });
    expect(scenario.load).toEqual(load);
    expect((await t.request("GET", `${SCENARIOS}/${scenario.id}`)).json().load).toEqual(load);
  });

  it("stores inputs, thresholds, a cost model, an assertion and tags, and fills what was left out", async () => {
    const t = await platformApp();
    const automation = await created(
      t,
      AUTOMATIONS,
      http("templated", {
        method: "POST",
        headers: { "X-Tenant": "{{input.tenant}}" },
        body: '{"n":{{input.n}}}',
      }),
    );
    const full = {
      name: "checkout",
      description: "the checkout path",
      automation_id: automation.id,
      inputs: { tenant: "acme", n: 3, dry: true },
      load: { model: "closed", jobs: 10 },
      thresholds: ["p95<200ms", "error_rate<1%"],
      cost: { price_per_second: 0.002, price_per_job: 0.01 },
      assertion: { required_fields: ["items.0.price"] },
      tags: ["checkout", "nightly"],
      on_interrupt: "rerun",
    };
    const scenario = await created(t, SCENARIOS, full);
    expect(scenario).toMatchObject({ ...full, baseline_run_id: null });

    const schema = {
      json_schema: { type: "object", required: ["items"], properties: { items: { type: "array" } } },
    };
    const minimal = await created(t, SCENARIOS, {
      name: "minimal",
      automation_id: automation.id,
      inputs: { tenant: "t", n: 1 },
      assertion: schema,
    });
    expect(minimal).toMatchObject({
      description: "",
      load: { model: "closed", jobs: 1 },
      thresholds: [],
      cost: {},
      assertion: schema,
      tags: [],
      on_interrupt: "fail",
      baseline_run_id: null,
    });
  });

  it("lists scenarios filtered by automation_id and by tag", async () => {
    const t = await platformApp();
    const one = await created(t, AUTOMATIONS, synthetic("one"));
    const two = await created(t, AUTOMATIONS, synthetic("two"));
    const a = await created(t, SCENARIOS, { name: "a", automation_id: one.id, tags: ["nightly", "eu"] });
    const b = await created(t, SCENARIOS, { name: "b", automation_id: one.id, tags: ["eu"] });
    const c = await created(t, SCENARIOS, { name: "c", automation_id: two.id, tags: ["nightly"] });
    const ids = async (query: string) => {
      const response = await t.request("GET", `${SCENARIOS}${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json().items.map((s: Json) => s.id);
    };
    expect(await ids("")).toEqual([a.id, b.id, c.id]);
    expect(await ids(`?automation_id=${one.id}`)).toEqual([a.id, b.id]);
    expect(await ids(`?automation_id=${two.id}`)).toEqual([c.id]);
    expect(await ids("?tag=nightly")).toEqual([a.id, c.id]);
    expect(await ids(`?tag=eu&automation_id=${two.id}`)).toEqual([]);
    expect(await ids("?tag=none")).toEqual([]);
    expectDetail(
      errorOf(await t.request("GET", `${SCENARIOS}?automation_id=abc`), 400),
      "automation_id",
      "invalid_format",
    );
    expectDetail(errorOf(await t.request("GET", `${SCENARIOS}?colour=red`), 400), "colour", "unknown_field");
  });

  it("replaces a scenario with PUT, checking the new version like a new one", async () => {
    const t = await platformApp();
    const plain = await created(t, AUTOMATIONS, synthetic("plain"));
    const templated = await created(t, AUTOMATIONS, http("templated", { body: "{{input.q}}" }));
    const scenario = await created(t, SCENARIOS, { name: "s", automation_id: plain.id, tags: ["old"] });

    const replaced = await t.request("PUT", `${SCENARIOS}/${scenario.id}`, {
      name: "s2",
      automation_id: templated.id,
      inputs: { q: "shoes" },
      load: { model: "open", rate: 5, duration: "2s" },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({
      id: scenario.id,
      name: "s2",
      automation_id: templated.id,
      inputs: { q: "shoes" },
      tags: [],
      created_at: scenario.created_at,
    });
    expect((await t.request("GET", `${SCENARIOS}/${scenario.id}`)).json()).toEqual(replaced.json());

    const missing = await t.request("PUT", `${SCENARIOS}/${scenario.id}`, {
      name: "s2",
      automation_id: templated.id,
    });
    expectDetail(errorOf(missing, 422, "validation_error"), "inputs.q", "required");
    const invalid = await t.request("PUT", `${SCENARIOS}/${scenario.id}`, {
      name: "s2",
      automation_id: plain.id,
      load: { model: "open" },
    });
    expectDetail(errorOf(invalid, 400, "validation_error"), "load.rate", "invalid_type");
    expect((await t.request("GET", `${SCENARIOS}/${scenario.id}`)).json().name).toBe("s2");
  });

  it("refuses a second scenario with the same name with 409 naming name", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    await created(t, SCENARIOS, { name: "twin", automation_id: automation.id });
    const other = await created(t, SCENARIOS, { name: "other", automation_id: automation.id });
    const body = { name: "twin", automation_id: automation.id };
    expectDetail(errorOf(await t.request("POST", SCENARIOS, body), 409, "conflict"), "name", "unique");
    expectDetail(
      errorOf(await t.request("PUT", `${SCENARIOS}/${other.id}`, body), 409, "conflict"),
      "name",
      "unique",
    );
  });

  it("pins a completed run of the scenario as its baseline, and unpins it with null", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic("fast", { duration_ms: 1 }));
    const scenario = await created(t, SCENARIOS, { name: "s", automation_id: automation.id });
    const runId = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenario.id })).json().id;
    expect((await t.waitForRun(runId)).status).toBe("completed");

    const pinned = await t.request("PUT", `${SCENARIOS}/${scenario.id}/baseline`, { run_id: runId });
    expect(pinned.statusCode, pinned.body).toBe(200);
    expect(pinned.json()).toMatchObject({ id: scenario.id, baseline_run_id: runId });
    expect((await t.request("GET", `${SCENARIOS}/${scenario.id}`)).json().baseline_run_id).toBe(runId);

    const unpinned = await t.request("PUT", `${SCENARIOS}/${scenario.id}/baseline`, { run_id: null });
    expect(unpinned.statusCode).toBe(200);
    expect(unpinned.json().baseline_run_id).toBeNull();
  });

  it("refuses as a baseline a run that is unknown, of another scenario, running, failed or cancelled, with 422 naming run_id", async () => {
    const t = await platformApp();
    const fast = await created(t, AUTOMATIONS, synthetic("fast", { duration_ms: 1 }));
    const failing = await created(t, AUTOMATIONS, http("unreachable", { url: "http://169.254.169.254/" }));
    const mine = await created(t, SCENARIOS, {
      name: "mine",
      automation_id: fast.id,
      load: { model: "closed", duration: "20s" },
    });
    const theirs = await created(t, SCENARIOS, { name: "theirs", automation_id: fast.id });
    const broken = await created(t, SCENARIOS, { name: "broken", automation_id: failing.id });
    const trigger = async (scenarioId: number) =>
      (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId })).json().id as number;

    const other = await trigger(theirs.id);
    await t.waitForRun(other);
    const failed = await trigger(broken.id);
    expect((await t.waitForRun(failed)).status).toBe("failed");
    const running = await trigger(mine.id);

    const refuse = async (scenarioId: number, runId: number, message: string) => {
      const response = await t.request("PUT", `${SCENARIOS}/${scenarioId}/baseline`, { run_id: runId });
      const error = errorOf(response, 422, "invalid_baseline");
      expectDetail(error, "run_id", "baseline");
      expect(error.message).toContain(message);
    };
    await refuse(mine.id, 424242, "no run");
    await refuse(mine.id, other, "another scenario");
    await refuse(broken.id, failed, "failed");
    await refuse(mine.id, running, "only a completed run");
    expect((await t.request("POST", `/api/v1/runs/${running}/cancel`)).statusCode).toBe(202);
    expect((await t.waitForRun(running, 5000)).status).toBe("cancelled");
    await refuse(mine.id, running, "cancelled");
    expect((await t.request("GET", `${SCENARIOS}/${mine.id}`)).json().baseline_run_id).toBeNull();
    expectDetail(
      errorOf(await t.request("PUT", `${SCENARIOS}/${mine.id}/baseline`, {}), 400),
      "run_id",
      "invalid_type",
    );
  });

  it("deletes a scenario while its runs stay, with the scenario's name", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic("fast", { duration_ms: 1 }));
    const scenario = await created(t, SCENARIOS, { name: "short-lived", automation_id: automation.id });
    const runId = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenario.id })).json().id;
    await t.waitForRun(runId);

    expect((await t.request("DELETE", `${SCENARIOS}/${scenario.id}`)).statusCode).toBe(204);
    errorOf(await t.request("GET", `${SCENARIOS}/${scenario.id}`), 404, "not_found");
    errorOf(await t.request("DELETE", `${SCENARIOS}/${scenario.id}`), 404, "not_found");
    const run = await t.request("GET", `/api/v1/runs/${runId}`);
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ id: runId, status: "completed", scenario_name: "short-lived" });
    expect((await t.request("GET", "/api/v1/runs")).json().items.map((r: Json) => r.id)).toEqual([runId]);
    // The automation is free again.
    expect((await t.request("DELETE", `${AUTOMATIONS}/${automation.id}`)).statusCode).toBe(204);
  });
});

describe("request bodies that are not a JSON object", () => {
  const routes = (automationId: number, scenarioId: number) =>
    [
      ["POST", AUTOMATIONS],
      ["PUT", `${AUTOMATIONS}/${automationId}`],
      ["POST", SCENARIOS],
      ["PUT", `${SCENARIOS}/${scenarioId}`],
      ["PUT", `${SCENARIOS}/${scenarioId}/baseline`],
      ["POST", "/api/v1/runs/trigger"],
      ["PUT", `${SECRETS}/provider-key`],
    ] as const;

  async function withRoutes(t: PlatformApp) {
    const automation = await created(t, AUTOMATIONS, synthetic());
    const scenario = await created(t, SCENARIOS, { name: "s", automation_id: automation.id });
    return routes(automation.id, scenario.id);
  }

  it("answers 400 invalid_json to malformed JSON and to an empty body, on every POST and PUT route", async () => {
    const t = await platformApp();
    for (const [method, url] of await withRoutes(t)) {
      const malformed = errorOf(
        await sendRaw(t, method, url, '{"name": "x",', "application/json"),
        400,
        "invalid_json",
      );
      expectDetail(malformed, "(body)", "json");
      expectDetail(
        errorOf(await sendRaw(t, method, url, "", "application/json"), 400, "invalid_json"),
        "(body)",
        "not_empty",
      );
    }
  });

  it("answers 415 to a body sent as text, as a form or without a content type, on every POST and PUT route", async () => {
    const t = await platformApp();
    const body = JSON.stringify(synthetic("sent-wrong"));
    for (const [method, url] of await withRoutes(t)) {
      for (const type of ["text/plain", "application/x-www-form-urlencoded", null]) {
        const refused = errorOf(await sendRaw(t, method, url, body, type), 415, "unsupported_media_type");
        expectDetail(refused, "(body)", "content_type_json");
      }
    }
    expect((await t.request("GET", AUTOMATIONS)).json().items).toHaveLength(1);
  });

  it("answers 413 to a body larger than AUREA_MAX_BODY_BYTES and accepts one just under it", async () => {
    const t = await platformApp({ env: { AUREA_MAX_BODY_BYTES: "1024" } });
    const big = http("big", { body: "x".repeat(1100) });
    expectDetail(
      errorOf(await t.request("POST", AUTOMATIONS, big), 413, "body_too_large"),
      "(body)",
      "max_bytes",
    );
    const fits = http("fits", { body: "x".repeat(800) });
    expect(JSON.stringify(fits).length).toBeLessThan(1024);
    expect((await t.request("POST", AUTOMATIONS, fits)).statusCode).toBe(201);
    expect((await t.request("GET", AUTOMATIONS)).json().items.map((a: Json) => a.name)).toEqual(["fits"]);
  });

  it("refuses a __proto__ key with 400 forbidden_key and leaves Object.prototype alone", async () => {
    const t = await platformApp();
    const payload = '{"name":"p","kind":"synthetic","__proto__":{"polluted":true}}';
    const refused = errorOf(
      await sendRaw(t, "POST", AUTOMATIONS, payload, "application/json"),
      400,
      "forbidden_key",
    );
    expectDetail(refused, "(body)", "no_prototype_keys");
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});

describe("bad automations are refused with 400 naming the field and the rule", () => {
  it.each(
    named<Json>([
      ["an unknown top-level field", { ...synthetic(), colour: "red" }, "colour", "unknown_field"],
      [
        "an unknown config field",
        synthetic("s", { duration_ms: 1, colour: "red" }),
        "config.colour",
        "unknown_field",
      ],
      ["a name that is not a string", { ...synthetic(), name: 5 }, "name", "invalid_type"],
      ["an empty name", { ...synthetic(), name: "  " }, "name", "too_small"],
      [
        "a duration given as text",
        synthetic("s", { duration_ms: "100" }),
        "config.duration_ms",
        "invalid_type",
      ],
      ["an unknown kind", { name: "a", kind: "ftp" }, "kind", "invalid_union"],
      ["a kind in capitals", { ...http(), kind: "HTTP" }, "kind", "invalid_union"],
      ["no kind", { name: "a" }, "kind", "invalid_union"],
      ["an http automation without config", { name: "a", kind: "http" }, "config", "invalid_type"],
      [
        "an http automation without a url",
        { name: "a", kind: "http", config: {} },
        "config.url",
        "invalid_type",
      ],
      ["an ftp:// url", http("a", { url: "ftp://files.example.com/" }), "config.url", "custom"],
      ["a file:// url", http("a", { url: "file:///etc/passwd" }), "config.url", "custom"],
      ["a relative url", http("a", { url: "/orders" }), "config.url", "custom"],
      ["an unknown method", http("a", { method: "FETCH" }), "config.method", "invalid_value"],
      [
        "a header name with a space",
        http("a", { headers: { "Bad Header": "x" } }),
        "config.headers.Bad Header",
        "invalid_key",
      ],
      ["an expected status of 700", http("a", { expect_status: [700] }), "config.expect_status.0", "too_big"],
      ["a zero timeout", http("a", { timeout_ms: 0 }), "config.timeout_ms", "too_small"],
      [
        "{{process.env.HOME}} in an http body",
        http("a", { body: '{"home":"{{process.env.HOME}}"}' }),
        "config.body",
        "custom",
      ],
      [
        "{{process.env.HOME}} in an http header",
        http("a", { headers: { "X-Home": "{{process.env.HOME}}" } }),
        "config.headers.X-Home",
        "custom",
      ],
      [
        "{{input.constructor.name}} in an http body",
        http("a", { body: "{{input.constructor.name}}" }),
        "config.body",
        "custom",
      ],
      [
        "{{process.env.HOME}} in a tinyfish goal",
        tinyfish("a", { goal: "Go to {{process.env.HOME}}" }),
        "config.goal",
        "custom",
      ],
      [
        "{{ 1 + 1 }} in a tinyfish url",
        tinyfish("a", { url: "https://x.example/{{ 1 + 1 }}" }),
        "config.url",
        "custom",
      ],
      ["a blank tinyfish goal", tinyfish("a", { goal: "   " }), "config.goal", "custom"],
      [
        "a tinyfish api_key given as a value",
        tinyfish("a", { api_key: "sk-live-123" }),
        "config.api_key",
        "invalid_union",
      ],
      [
        "a tinyfish api_key object with a value",
        tinyfish("a", { api_key: { value: "sk-live-123" } }),
        "config.api_key",
        "invalid_union",
      ],
      [
        "a tinyfish api_key naming both",
        tinyfish("a", { api_key: { env: "A", secret: "b" } }),
        "config.api_key",
        "invalid_union",
      ],
      [
        "a tinyfish api_key env that is not a variable name",
        tinyfish("a", { api_key: { env: "1-BAD" } }),
        "config.api_key.env",
        "invalid_format",
      ],
      ["a negative cost per step", tinyfish("a", { cost_per_step: -1 }), "config.cost_per_step", "too_small"],
      [
        "an unknown browser profile",
        tinyfish("a", { browser_profile: "chrome" }),
        "config.browser_profile",
        "invalid_value",
      ],
    ]),
  )("refuses %s (%s: %s)", async (_what, field, rule, body) => {
    const t = await platformApp();
    expectDetail(errorOf(await t.request("POST", AUTOMATIONS, body), 400, "validation_error"), field, rule);
    expect((await t.request("GET", AUTOMATIONS)).json().items).toEqual([]);
  });

  it("checks a replacement like a new automation and leaves the old one unchanged", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, http("api"));
    const response = await t.request(
      "PUT",
      `${AUTOMATIONS}/${automation.id}`,
      http("api", { body: "{{process.env.SECRET}}" }),
    );
    expectDetail(errorOf(response, 400, "validation_error"), "config.body", "custom");
    expect((await t.request("GET", `${AUTOMATIONS}/${automation.id}`)).json()).toEqual(automation);
  });
});

describe("bad scenarios are refused naming the field and the rule", () => {
  it.each(
    named<Json>([
      ["an unknown field", { colour: "red" }, "colour", "unknown_field"],
      ["an automation id given as text", { automation_id: "1" }, "automation_id", "invalid_type"],
      ["a load that is not an object", { load: "fast" }, "load", "invalid_type"],
      [
        "an open load without a rate",
        { load: { model: "open", duration: "10s" } },
        "load.rate",
        "invalid_type",
      ],
      [
        "an open load with a negative rate",
        { load: { model: "open", rate: -5, duration: "10s" } },
        "load.rate",
        "too_small",
      ],
      [
        "an open load without a duration",
        { load: { model: "open", rate: 5 } },
        "load.duration",
        "invalid_union",
      ],
      [
        "a stages load with a fractional concurrency target",
        { load: { model: "stages", target: "concurrency", stages: [{ duration: "1s", target: 2.5 }] } },
        "load.stages",
        "custom",
      ],
      [
        "a stages load with a negative target",
        { load: { model: "stages", stages: [{ duration: "1s", target: -1 }] } },
        "load.stages.0.target",
        "too_small",
      ],
      ["a stages load without stages", { load: { model: "stages", stages: [] } }, "load.stages", "custom"],
      [
        "a closed load with neither jobs nor duration",
        { load: { model: "closed", concurrency: 2 } },
        "load",
        "custom",
      ],
      [
        "a closed load with zero concurrency",
        { load: { model: "closed", jobs: 2, concurrency: 0 } },
        "load.concurrency",
        "too_small",
      ],
      [
        "a duration that is not one",
        { load: { model: "closed", duration: "forever" } },
        "load.duration",
        "custom",
      ],
      ["an unknown load model", { load: { model: "poisson", rate: 1 } }, "load.model", "invalid_union"],
      [
        "an invalid threshold expression",
        { thresholds: ["p95<1s", "p95 about 3"] },
        "thresholds.1",
        "custom",
      ],
      ["thresholds that are not a list", { thresholds: "p95<1s" }, "thresholds", "invalid_type"],
      ["a negative price", { cost: { price_per_job: -1 } }, "cost.price_per_job", "too_small"],
      ["an unknown cost field", { cost: { price_per_minute: 1 } }, "cost.price_per_minute", "unknown_field"],
      ["an input name with a space", { inputs: { "bad name": 1 } }, "inputs.bad name", "invalid_key"],
      ["an input value that is an object", { inputs: { q: { a: 1 } } }, "inputs.q", "invalid_union"],
      ["an empty tag", { tags: [""] }, "tags.0", "too_small"],
      ["an unknown on_interrupt", { on_interrupt: "retry" }, "on_interrupt", "invalid_value"],
      [
        "an empty required_fields",
        { assertion: { required_fields: [] } },
        "assertion.required_fields",
        "too_small",
      ],
      ["an unknown assertion", { assertion: { regex: "ok" } }, "assertion", "invalid_union"],
    ]),
  )("answers 400 to %s (%s: %s)", async (_what, field, rule, change) => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const response = await t.request("POST", SCENARIOS, {
      name: "s",
      automation_id: automation.id,
      ...change,
    });
    expectDetail(errorOf(response, 400, "validation_error"), field, rule);
    expect((await t.request("GET", SCENARIOS)).json().items).toEqual([]);
  });

  // BUG: src/contracts/scenario.ts re-raises every issue of the engine's load schema as
  // `code: "custom"` on the path, so zod's `unrecognized_keys` issue (which carries the
  // key names) becomes `{field: "load", rule: "custom", message: 'Unrecognized key: "extra"'}`:
  // an unknown field inside `load` is neither named nor reported as `unknown_field`, unlike an
  // unknown field anywhere else in the API (`colour`, `config.colour`, `cost.price_per_minute`).
  it("names an unknown field inside load as load.<field> with unknown_field", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const response = await t.request("POST", SCENARIOS, {
      name: "s",
      automation_id: automation.id,
      load: { model: "closed", jobs: 1, extra: 1 },
    });
    expectDetail(errorOf(response, 400, "validation_error"), "load.extra", "unknown_field");
  });

  it("answers 422 naming automation_id when the automation does not exist", async () => {
    const t = await platformApp();
    const response = await t.request("POST", SCENARIOS, { name: "s", automation_id: 4242 });
    const error = errorOf(response, 422, "unknown_reference");
    expectDetail(error, "automation_id", "exists");
    expect(error.message).toContain("4242");
  });

  it("answers 422 naming inputs.<name> for every input the automation's templates use but the scenario lacks", async () => {
    const t = await platformApp();
    const api = await created(
      t,
      AUTOMATIONS,
      http("api", { headers: { "X-Tenant": "{{input.tenant}}" }, body: '{"q":"{{input.query}}"}' }),
    );
    const agent = await created(
      t,
      AUTOMATIONS,
      tinyfish("agent", { url: "https://{{input.host}}/", goal: "Buy {{ input.item }}" }),
    );
    const apiError = errorOf(
      await t.request("POST", SCENARIOS, { name: "s", automation_id: api.id, inputs: { query: "shoes" } }),
      422,
      "validation_error",
    );
    expect(apiError.details).toEqual([
      { field: "inputs.tenant", rule: "required", message: expect.any(String) },
    ]);
    const agentError = errorOf(
      await t.request("POST", SCENARIOS, { name: "s", automation_id: agent.id }),
      422,
      "validation_error",
    );
    expect(agentError.details?.map((d) => `${d.field}:${d.rule}`).sort()).toEqual([
      "inputs.host:required",
      "inputs.item:required",
    ]);
    expect((await t.request("GET", SCENARIOS)).json().items).toEqual([]);
  });

  it.each(
    named<Json>([
      [
        "a JSON Schema with an invalid type",
        { json_schema: { type: "objekt" } },
        "assertion.json_schema",
        "invalid_schema",
      ],
      [
        "a JSON Schema with an unknown keyword",
        { json_schema: { requird: ["a"] } },
        "assertion.json_schema",
        "invalid_schema",
      ],
      [
        "a required field with an empty segment",
        { required_fields: ["items..price"] },
        "assertion.required_fields.0",
        "invalid_path",
      ],
    ]),
  )("answers 422 to an assertion with %s (%s: %s)", async (_what, field, rule, assertion) => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const response = await t.request("POST", SCENARIOS, {
      name: "s",
      automation_id: automation.id,
      assertion,
    });
    expectDetail(errorOf(response, 422, "validation_error"), field, rule);
  });
});

describe("no input answers 500", () => {
  const hostile = [
    "{",
    "}",
    "[]",
    "null",
    "42",
    '"a string"',
    "[[[[[[[[[[[[",
    '{"name": 1e400, "kind": "synthetic"}',
    '{"name":"a","kind":"synthetic","config":null}',
    '{"name":"a","kind":"http","config":{"url":"http://x/","headers":[]}}',
    '{"name":"a","automation_id":1,"load":[]}',
    '{"name":"a","automation_id":1,"load":{"model":"closed","jobs":1,"duration":{"s":1}}}',
    '{"name":"a","automation_id":1,"load":{"model":"open","rate":1e400,"duration":"1s"}}',
    '{"name":"a","automation_id":1e20}',
    '{"name":"a","automation_id":1,"assertion":{"json_schema":{"$ref":"#/nowhere"}}}',
    '{"name":"a","automation_id":1,"thresholds":[null]}',
    '{"run_id": 1e300, "value": 5}',
  ];

  it("answers 4xx with a JSON error body to a dozen malformed bodies on every POST and PUT route", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const scenario = await created(t, SCENARIOS, { name: "s", automation_id: automation.id });
    const routes = [
      ["POST", AUTOMATIONS],
      ["PUT", `${AUTOMATIONS}/${automation.id}`],
      ["POST", SCENARIOS],
      ["PUT", `${SCENARIOS}/${scenario.id}`],
      ["PUT", `${SCENARIOS}/${scenario.id}/baseline`],
      ["POST", "/api/v1/runs/trigger"],
      ["POST", "/api/v1/runs/999/cancel"],
      ["PUT", `${SECRETS}/provider-key`],
    ] as const;
    const statuses = new Set<number>();
    for (const [method, url] of routes) {
      for (const payload of hostile) {
        const response = await sendRaw(t, method, url, payload, "application/json");
        const label = `${method} ${url} ${payload}`;
        expect(response.statusCode, label).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, label).toBeLessThan(500);
        expect(response.json<ErrorBody>().statusCode, label).toBe(response.statusCode);
        statuses.add(response.statusCode);
      }
    }
    expect([...statuses].sort()).toEqual([400, 404, 422]);
    // Nothing was created or changed by any of them.
    expect((await t.request("GET", AUTOMATIONS)).json().items).toEqual([automation]);
    expect((await t.request("GET", SCENARIOS)).json().items).toEqual([scenario]);
    expect((await t.request("GET", SECRETS)).json().items).toEqual([]);
  });

  // BUG: PostgreSQL text and jsonb cannot hold U+0000, and nothing maps its refusal (SQLSTATE 22021
  // "invalid byte sequence for encoding UTF8: 0x00" for text columns, 22P05 "unsupported Unicode
  // escape sequence" for jsonb) to a 4xx: src/api/errors.ts answers it with 500 internal_error.
  // Reproduce: POST /api/v1/automations {"name":"a\u0000b","kind":"synthetic"} → 500. The same
  // holds for descriptions, http bodies and headers, tinyfish goals, scenario names, inputs and
  // tags, and GET /api/v1/scenarios?tag=a%00b.
  it("answers 4xx, not 500, to a NUL character in a string the store would keep", async () => {
    const t = await platformApp();
    const automation = await created(t, AUTOMATIONS, synthetic());
    const attempts = [
      await t.request("POST", AUTOMATIONS, synthetic("a\u0000b")),
      await t.request("POST", AUTOMATIONS, http("h", { body: "a\u0000b" })),
      await t.request("POST", SCENARIOS, {
        name: "s",
        automation_id: automation.id,
        inputs: { q: "a\u0000b" },
      }),
      await t.request("POST", SCENARIOS, { name: "s", automation_id: automation.id, tags: ["a\u0000b"] }),
      await t.request("GET", `${SCENARIOS}?tag=a%00b`),
    ];
    for (const response of attempts) expect(response.statusCode, response.body).toBeLessThan(500);
  });
});

describe("secrets", () => {
  it("stores a secret (created, then updated), lists its name but never its value, and deletes it", async () => {
    const t = await platformApp();
    const value = "sk-live-4f1c9a7e2b";
    const first = await t.request("PUT", `${SECRETS}/tinyfish.prod_key-1`, { value });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ name: "tinyfish.prod_key-1", status: "created" });
    expect(first.body).not.toContain(value);
    const second = await t.request("PUT", `${SECRETS}/tinyfish.prod_key-1`, { value: `${value}-rotated` });
    expect(second.json()).toEqual({ name: "tinyfish.prod_key-1", status: "updated" });
    await t.request("PUT", `${SECRETS}/another`, { value: "other-value" });

    const list = await t.request("GET", SECRETS);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      { name: "another", created_at: expect.any(String), updated_at: expect.any(String) },
      { name: "tinyfish.prod_key-1", created_at: expect.any(String), updated_at: expect.any(String) },
    ]);
    expect(list.body).not.toContain(value);
    expect(list.body).not.toContain("other-value");

    expect((await t.request("DELETE", `${SECRETS}/tinyfish.prod_key-1`)).statusCode).toBe(204);
    expect((await t.request("GET", SECRETS)).json().items.map((s: Json) => s.name)).toEqual(["another"]);
    errorOf(await t.request("DELETE", `${SECRETS}/tinyfish.prod_key-1`), 404, "not_found");
  });

  it.each([
    ["PUT", `${SECRETS}/bad%20name`, { value: "x" }, "name", "invalid_format"],
    ["PUT", `${SECRETS}/bad$name`, { value: "x" }, "name", "invalid_format"],
    ["DELETE", `${SECRETS}/bad$name`, undefined, "name", "invalid_format"],
    ["PUT", `${SECRETS}/ok`, { value: "" }, "value", "too_small"],
    ["PUT", `${SECRETS}/ok`, { value: 42 }, "value", "invalid_type"],
    ["PUT", `${SECRETS}/ok`, {}, "value", "invalid_type"],
    ["PUT", `${SECRETS}/ok`, { value: "x", extra: true }, "extra", "unknown_field"],
  ])("answers 400 to %s %s %j naming %s (%s)", async (method, url, body, field, rule) => {
    const t = await platformApp();
    expectDetail(errorOf(await t.request(method, url, body), 400, "validation_error"), field, rule);
    expect((await t.request("GET", SECRETS)).json().items).toEqual([]);
  });

  // BUG: secret names may have 128 characters (src/api/routes/v1/secrets-routes.ts `nameParams`,
  // and `secretRef` in src/contracts/automation.ts), but Fastify's default `maxParamLength` is 100
  // (src/api/app.ts does not raise it), so a name of 101–128 characters is refused with 414 and
  // Fastify's own body `{"error":"Bad Request","code":"FST_ERR_MAX_PARAM_LENGTH",…}` instead of the
  // API's error shape: such a secret can be referenced by an automation but never stored.
  it("stores a secret whose name has 128 characters, the longest its contract allows", async () => {
    const t = await platformApp();
    const name = "k".repeat(128);
    const response = await t.request("PUT", `${SECRETS}/${name}`, { value: "v" });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ name, status: "created" });
  });
});
