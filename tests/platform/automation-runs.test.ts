import type { IncomingHttpHeaders } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { closedPort, type LocalServer, localServer } from "../support/local-server.js";
import { type PlatformApp, platformApps } from "../support/platform-app.js";
import {
  DEFAULT_RESULT,
  RUN_SSE_PATH,
  type StandInOptions,
  startTinyFishStandIn,
  type TinyFishStandIn,
} from "../support/tinyfish-stand-in.js";

// Registered before `platformApps`, so that it runs after the apps are closed (hooks unwind).
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

const platformApp = platformApps();

type Json = Record<string, unknown>;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local target that records every request and answers `status(n)`. */
async function target(
  status: (n: number) => number = () => 200,
): Promise<LocalServer & { seen: Received[] }> {
  const seen: Received[] = [];
  const server = await localServer((request, response, n) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      response.writeHead(status(n), { "content-type": "application/json" }).end('{"ok":true}');
    });
  });
  closers.push(() => server.close());
  return Object.assign(server, { seen });
}

async function standIn(options: StandInOptions): Promise<TinyFishStandIn> {
  const s = await startTinyFishStandIn(options);
  closers.push(() => s.close());
  return s;
}

async function create(t: PlatformApp, url: string, body: Json): Promise<number> {
  const response = await t.request("POST", url, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

/** Creates the automation and a scenario of it, triggers a run and waits for it to finish. */
async function runOnce(
  t: PlatformApp,
  automation: Json,
  scenario: Json = {},
  timeoutMs = 20_000,
): Promise<Json & { id: number }> {
  const automationId = await create(t, "/api/v1/automations", { name: `a-${Math.random()}`, ...automation });
  const scenarioId = await create(t, "/api/v1/scenarios", {
    name: `s-${Math.random()}`,
    automation_id: automationId,
    ...scenario,
  });
  const triggered = await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId });
  expect(triggered.statusCode, triggered.body).toBe(202);
  return (await t.waitForRun(triggered.json().id, timeoutMs)) as Json & { id: number };
}

const ALLOW_LOOPBACK = { AUREA_ALLOW_HOSTS: "127.0.0.1" };

describe("HTTP automations against a local server", () => {
  it("send the method, headers and body filled from the scenario's inputs, exactly, and count every job", async () => {
    const server = await target();
    const t = await platformApp({ env: ALLOW_LOOPBACK });
    const run = await runOnce(
      t,
      {
        kind: "http",
        config: {
          url: `${server.url}/orders?source=aurea`,
          method: "POST",
          headers: { "X-Customer": "{{input.customer}}", "Content-Type": "application/json" },
          body: '{"sku":"{{input.sku}}","qty":{{ input.qty }},"gift":{{input.gift}}}',
        },
      },
      {
        inputs: { customer: "acme-42", sku: "B-1", qty: 3, gift: false },
        load: { model: "closed", jobs: 5 },
      },
    );
    expect(run).toMatchObject({ status: "completed", total_jobs: 5, failed_jobs: 0, passed: true });
    expect(run.outcomes).toEqual({ succeeded: 5 });
    expect(server.seen).toHaveLength(5);
    for (const request of server.seen) {
      expect(request).toMatchObject({
        method: "POST",
        url: "/orders?source=aurea",
        body: '{"sku":"B-1","qty":3,"gift":false}',
      });
      expect(request.headers["x-customer"]).toBe("acme-42");
      expect(request.headers["content-type"]).toBe("application/json");
    }
    // The run keeps a sample of what the target answered.
    expect(run.response_sample).toMatchObject({
      status: 200,
      headers: { "content-type": "application/json" },
      body: '{"ok":true}',
      body_truncated: false,
    });
  });

  it("fail every job of a 503-answering server with outcome status_503, unless expect_status lists 503", async () => {
    const server = await target(() => 503);
    const t = await platformApp({ env: ALLOW_LOOPBACK });
    const load = { model: "closed", jobs: 4, concurrency: 2 };
    const failing = await runOnce(t, { kind: "http", config: { url: server.url } }, { load });
    expect(failing).toMatchObject({ status: "completed", total_jobs: 4, failed_jobs: 4, passed: false });
    expect(failing.outcomes).toEqual({ succeeded: 0, status_503: 4 });
    expect(failing.success_rate).toBe(0);

    const expected = await runOnce(
      t,
      { kind: "http", config: { url: server.url, expect_status: [503] } },
      { load },
    );
    expect(expected).toMatchObject({ status: "completed", failed_jobs: 0, passed: true });
    expect(expected.outcomes).toEqual({ succeeded: 4 });
    expect(server.seen).toHaveLength(8);
  });

  it("count each outcome of a server that answers 200, 503 and 404 in turn", async () => {
    const server = await target((n) => [200, 503, 404][(n - 1) % 3]!);
    const t = await platformApp({ env: ALLOW_LOOPBACK });
    const run = await runOnce(
      t,
      { kind: "http", config: { url: server.url } },
      { load: { model: "closed", jobs: 9, concurrency: 1 } },
    );
    expect(run.outcomes).toEqual({ succeeded: 3, status_503: 3, status_404: 3 });
    expect(run).toMatchObject({ total_jobs: 9, failed_jobs: 6 });
    expect(run.success_rate).toBeCloseTo(1 / 3, 9);
  });
});

describe("the SSRF guard", () => {
  it("fails a run aimed at a loopback server with ssrf_blocked when AUREA_ALLOW_HOSTS does not allow it, sending nothing", async () => {
    const server = await target();
    const t = await platformApp();
    const run = await runOnce(t, { kind: "http", config: { url: `${server.url}/admin` } });
    expect(run).toMatchObject({ status: "failed", reason: "ssrf_blocked", total_jobs: null });
    expect(run.error).toContain("AUREA_ALLOW_HOSTS");
    expect(server.requests).toBe(0);
  });

  it("blocks http://localhost:<port>/ too: a name that resolves to loopback is checked by its address", async () => {
    const server = await target();
    const t = await platformApp();
    const port = new URL(server.url).port;
    const run = await runOnce(t, { kind: "http", config: { url: `http://localhost:${port}/` } });
    expect(run).toMatchObject({ status: "failed", reason: "ssrf_blocked" });
    expect(server.requests).toBe(0);
  });

  it("blocks the cloud metadata address 169.254.169.254 at once, without connecting, even with loopback allowed", async () => {
    const t = await platformApp({ env: ALLOW_LOOPBACK });
    const started = performance.now();
    // A short timeout: should the guard ever let it through, the test must not hang on a dead address.
    const run = await runOnce(t, {
      kind: "http",
      config: { url: "http://169.254.169.254/latest/meta-data/", timeout_ms: 1000 },
    });
    expect(run).toMatchObject({ status: "failed", reason: "ssrf_blocked", total_jobs: null });
    expect(run.error).toContain("169.254.169.254");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

const KEY = "tf-test-key-7c1d02e9";

/** A tinyfish automation whose key comes from `TINYFISH_TEST_KEY` unless told otherwise. */
const agent = (config: Json = {}): Json => ({
  kind: "tinyfish",
  config: {
    url: "https://shop.example.com/{{input.category}}",
    goal: "Find the price of {{input.item}}",
    api_key: { env: "TINYFISH_TEST_KEY" },
    ...config,
  },
});
const agentInputs = { inputs: { category: "plush", item: "Bulbasaur" } };

async function tinyfishApp(
  s: TinyFishStandIn,
  env: Record<string, string> = {},
  logLines?: string[],
): Promise<PlatformApp> {
  return platformApp({
    env: { TINYFISH_BASE_URL: s.url, TINYFISH_TEST_KEY: KEY, ...env },
    ...(logLines ? { logLines } : {}),
  });
}

describe("TinyFish automations against the stand-in", () => {
  it("count a COMPLETED run as succeeded, sending X-API-Key and the url and goal filled from the inputs", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent(), agentInputs);
    expect(run).toMatchObject({ status: "completed", total_jobs: 1, failed_jobs: 0, passed: true });
    expect(run.outcomes).toEqual({ succeeded: 1 });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({
      method: "POST",
      path: RUN_SSE_PATH,
      apiKey: KEY,
      body: { url: "https://shop.example.com/plush", goal: "Find the price of Bulbasaur" },
    });
    expect(run.response_sample).toMatchObject({
      outcome: "succeeded",
      reason: null,
      status: "COMPLETED",
      result: DEFAULT_RESULT,
      steps: 2,
    });
  });

  it("use a stored secret as the key", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s, { TINYFISH_TEST_KEY: "" });
    expect((await t.request("PUT", "/api/v1/secrets/tinyfish-prod", { value: KEY })).statusCode).toBe(200);
    const run = await runOnce(t, agent({ api_key: { secret: "tinyfish-prod" } }), agentInputs);
    expect(run).toMatchObject({ status: "completed", passed: true });
    expect(run.outcomes).toEqual({ succeeded: 1 });
    expect(s.requests.map((r) => r.apiKey)).toEqual([KEY]);
  });

  it("count a FAILED run as provider_failed", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent({ goal: "Find {{input.item}} [fail]" }), agentInputs);
    expect(run).toMatchObject({ status: "completed", total_jobs: 1, failed_jobs: 1, passed: false });
    expect(run.outcomes).toEqual({ succeeded: 0, provider_failed: 1 });
    expect(run.response_sample).toMatchObject({
      outcome: "provider_failed",
      reason: "failed",
      status: "FAILED",
      error: expect.stringContaining("blocked"),
    });
  });

  it.each([
    ["a JSON Schema", { json_schema: { type: "object", required: ["total"] } }, "total"],
    [
      "required_fields",
      { required_fields: ["products.0.name", "products.5.price"] },
      "products.5.price is missing",
    ],
  ])("count a COMPLETED result that fails %s as assertion_failed", async (_kind, assertion, failure) => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent(), { ...agentInputs, assertion });
    expect(run).toMatchObject({ status: "completed", failed_jobs: 1, passed: false });
    expect(run.outcomes).toEqual({ succeeded: 0, assertion_failed: 1 });
    const sample = run.response_sample as Json;
    expect(sample).toMatchObject({ outcome: "assertion_failed", reason: "assertion", status: "COMPLETED" });
    expect((sample.assertion_failures as string[]).join("; ")).toContain(failure);
  });

  it.each([
    ["a JSON Schema", { json_schema: { type: "object", required: ["products"] } }],
    ["required_fields", { required_fields: ["products.1.price"] }],
  ])("count a COMPLETED result that meets %s as succeeded", async (_kind, assertion) => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent(), { ...agentInputs, assertion });
    expect(run.outcomes).toEqual({ succeeded: 1 });
  });

  it("count an unreachable TinyFish endpoint as transport_error", async () => {
    const t = await platformApp({
      env: { TINYFISH_BASE_URL: `http://127.0.0.1:${await closedPort()}`, TINYFISH_TEST_KEY: KEY },
    });
    const run = await runOnce(t, agent(), agentInputs);
    expect(run).toMatchObject({ status: "completed", total_jobs: 1, failed_jobs: 1, passed: false });
    expect(run.outcomes).toEqual({ succeeded: 0, transport_error: 1 });
    expect(run.response_sample).toMatchObject({ outcome: "transport_error", reason: "connect_refused" });
  });

  it("add steps × cost_per_step to the cost model's price", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const load = { model: "closed", jobs: 3, concurrency: 3 };
    const automation = agent({ goal: "Find {{input.item}} [report_steps=4]", cost_per_step: 0.25 });
    // 3 jobs × 4 steps × $0.25, nothing for time.
    const stepsOnly = await runOnce(t, automation, { ...agentInputs, load, cost: { price_per_second: 0 } });
    expect(stepsOnly.outcomes).toEqual({ succeeded: 3 });
    expect(stepsOnly.cost).toBeCloseTo(3, 9);
    expect(stepsOnly.response_sample).toMatchObject({ steps: 4, cost: 1 });
    // The same plus 3 jobs × $0.5.
    const withJobs = await runOnce(t, automation, {
      ...agentInputs,
      load,
      cost: { price_per_second: 0, price_per_job: 0.5 },
    });
    expect(withJobs.cost).toBeCloseTo(4.5, 9);
    expect((withJobs.result as { cost: Json }).cost).toMatchObject({ total: withJobs.cost, per_job: 1.5 });
  });

  it("count each job's outcome in a run of several jobs", async () => {
    let n = 0;
    const s = await standIn({
      apiKey: KEY,
      handler: (_request, events) => {
        n++;
        const complete =
          n === 1
            ? events.complete({ status: "COMPLETED", result: { products: [{ name: "a", price: 1 }] } })
            : n === 2
              ? events.complete({ status: "FAILED", error: "CAPTCHA" })
              : events.complete({ status: "COMPLETED", result: { nothing: true } });
        return { stream: [events.started(), events.progress("Looking"), complete] };
      },
    });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent(), {
      ...agentInputs,
      load: { model: "closed", jobs: 3, concurrency: 3 },
      assertion: { required_fields: ["products"] },
    });
    expect(s.requests).toHaveLength(3);
    expect(run).toMatchObject({ status: "completed", total_jobs: 3, failed_jobs: 2, passed: false });
    expect(run.outcomes).toEqual({ succeeded: 1, provider_failed: 1, assertion_failed: 1 });
  });

  it("keep a capped sample of a large result", async () => {
    const s = await standIn({ apiKey: KEY, result: { page: "x".repeat(100_000) } });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent(), agentInputs);
    expect(run.outcomes).toEqual({ succeeded: 1 });
    const sample = run.response_sample as { truncated: boolean; json_prefix: string };
    expect(sample.truncated).toBe(true);
    expect(sample.json_prefix.length).toBe(16_384);
    expect(sample.json_prefix.startsWith('{"outcome":"succeeded"')).toBe(true);
    expect(JSON.stringify(run).length).toBeLessThan(40_000);
  });

  it("never put the API key in an API response or a log line, even when the provider echoes it", async () => {
    const wrong = "tf-wrong-key-55aa31";
    const s = await standIn({ apiKey: KEY, echoKeyInErrors: true });
    const logs: string[] = [];
    const t = await tinyfishApp(s, {}, logs);
    await t.request("PUT", "/api/v1/secrets/wrong", { value: wrong });
    const good = await runOnce(t, agent(), agentInputs);
    const echoed = await runOnce(t, agent({ api_key: { secret: "wrong" } }), agentInputs);
    expect(good.outcomes).toEqual({ succeeded: 1 });
    expect(echoed.outcomes).toEqual({ succeeded: 0, transport_error: 1 });
    expect(echoed.response_sample).toMatchObject({
      reason: "http_401",
      error: expect.stringContaining("Invalid"),
    });
    expect(s.requests.map((r) => r.apiKey)).toEqual([KEY, wrong]);

    const texts = await Promise.all(
      [
        `/api/v1/runs/${good.id}`,
        `/api/v1/runs/${echoed.id}`,
        "/api/v1/runs",
        "/api/v1/runs/kpis/dashboard",
        "/api/v1/automations",
        "/api/v1/scenarios",
        "/api/v1/secrets",
      ].map(async (url) => {
        const response = await t.request("GET", url);
        expect(response.statusCode, url).toBe(200);
        return response.body;
      }),
    );
    for (const text of texts) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(wrong);
    }
    expect(texts[1]).toContain("[redacted]");
    // Every request and run was logged (at trace level), and no line holds either key.
    expect(logs.length).toBeGreaterThan(10);
    expect(logs.some((line) => line.includes('"msg":"run finished"'))).toBe(true);
    for (const line of logs) {
      expect(line).not.toContain(KEY);
      expect(line).not.toContain(wrong);
    }
  });

  it("close the provider's stream when a TinyFish run is cancelled", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const automationId = await create(t, "/api/v1/automations", {
      name: "slow-agent",
      ...agent({ goal: "Find {{input.item}} [slow=30000]" }),
    });
    const scenarioId = await create(t, "/api/v1/scenarios", {
      name: "slow",
      automation_id: automationId,
      ...agentInputs,
    });
    const id = (await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId })).json().id;
    const deadline = Date.now() + 10_000;
    while (s.openStreams === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(s.openStreams).toBe(1);

    const cancelledAt = performance.now();
    expect((await t.request("POST", `/api/v1/runs/${id}/cancel`)).statusCode).toBe(202);
    const run = await t.waitForRun(id, 5000);
    expect(performance.now() - cancelledAt).toBeLessThan(3000);
    expect(run).toMatchObject({ status: "cancelled", reason: "cancelled", total_jobs: 1 });
    while (s.openStreams > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(s.openStreams).toBe(0);
  });

  it("fail the run with reason error, naming the variable, when the key's environment variable is not set", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent({ api_key: { env: "TINYFISH_MISSING_KEY" } }), agentInputs);
    expect(run).toMatchObject({ status: "failed", reason: "error", total_jobs: null });
    expect(run.error).toContain("TINYFISH_MISSING_KEY");
    expect(s.requests).toHaveLength(0);
  });

  it("fail the run with reason error, naming the secret, when the stored secret does not exist", async () => {
    const s = await standIn({ apiKey: KEY });
    const t = await tinyfishApp(s);
    const run = await runOnce(t, agent({ api_key: { secret: "never-stored" } }), agentInputs);
    expect(run).toMatchObject({ status: "failed", reason: "error" });
    expect(run.error).toContain("never-stored");
    expect(s.requests).toHaveLength(0);
  });
});
