import { Agent } from "undici";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  compileAssertion,
  runTinyFish,
  type TinyFishEvent,
  type TinyFishRunOptions,
} from "../../src/automations/tinyfish/index.js";
import { closedPort } from "../support/local-server.js";
import {
  DEFAULT_RESULT,
  RUN_SSE_PATH,
  type StandInFrame,
  type StandInOptions,
  startTinyFishStandIn,
  type TinyFishStandIn,
} from "../support/tinyfish-stand-in.js";

const API_KEY = "tf-test-9f8e7d6c5b4a39281706";
const dispatcher = new Agent({ connections: 8 });
afterAll(() => dispatcher.close());

let standIns: TinyFishStandIn[] = [];
afterEach(async () => {
  await Promise.all(standIns.map((s) => s.close()));
  standIns = [];
});
async function standIn(options: Partial<StandInOptions> = {}): Promise<TinyFishStandIn> {
  const s = await startTinyFishStandIn({ apiKey: API_KEY, ...options });
  standIns.push(s);
  return s;
}

const options = (s: { url: string }, extra: Partial<TinyFishRunOptions> = {}): TinyFishRunOptions => ({
  baseUrl: s.url,
  apiKey: API_KEY,
  timeoutMs: 10_000,
  dispatcher,
  ...extra,
});
const request = (goal: string) => ({ url: "https://scrapeme.live/shop", goal });
const noEvents = { STARTED: 0, STREAMING_URL: 0, PROGRESS: 0, HEARTBEAT: 0, COMPLETE: 0, UNKNOWN: 0 };

describe("runTinyFish against the stand-in", () => {
  it("posts the goal with the API key and reports a completed run with its result, steps and cost", async () => {
    const s = await standIn();
    const body = {
      url: "https://scrapeme.live/shop",
      goal: "List products [steps=3]",
      browser_profile: "stealth" as const,
    };
    const seen: TinyFishEvent[] = [];
    const r = await runTinyFish(body, options(s, { onEvent: (e) => seen.push(e) }));

    expect(s.requests).toHaveLength(1);
    const sent = s.requests[0]!;
    expect(sent).toMatchObject({ method: "POST", path: RUN_SSE_PATH, apiKey: API_KEY, body });
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers.accept).toBe("text/event-stream");

    expect(r).toMatchObject({
      outcome: "succeeded",
      reason: null,
      status: "COMPLETED",
      result: DEFAULT_RESULT,
      error: null,
      assertionFailures: [],
      steps: 3,
      cost: 0.048,
      httpStatus: 200,
      events: { ...noEvents, STARTED: 1, STREAMING_URL: 1, PROGRESS: 3, COMPLETE: 1 },
    });
    expect(seen.map((e) => e.type)).toEqual([
      "STARTED",
      "STREAMING_URL",
      "PROGRESS",
      "PROGRESS",
      "PROGRESS",
      "COMPLETE",
    ]);
    expect(r.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]).toMatchObject({ type: "STARTED", runId: r.runId });
    expect(r.streamingUrl).toBe(`${s.url}/stream/${r.runId}`);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it("reads the earlier camelCase spelling (runId, streamingUrl, resultJson) the same way", async () => {
    const s = await standIn({ fieldStyle: "camel" });
    const r = await runTinyFish(request("List products"), options(s));
    expect(r).toMatchObject({ outcome: "succeeded", result: DEFAULT_RESULT, steps: 2 });
    expect(r.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.streamingUrl).toBe(`${s.url}/stream/${r.runId}`);
  });

  it("takes the step count from COMPLETE's num_of_steps when present and prices it at the given rate", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[steps=2][report_steps=7]"), options(s, { costPerStep: 0.25 }));
    expect(r).toMatchObject({ outcome: "succeeded", steps: 7, cost: 1.75 });
    expect(r.events.PROGRESS).toBe(2);
  });

  it("prices steps at TinyFish's $0.016 by default", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[steps=5]"), options(s));
    expect(r).toMatchObject({ steps: 5, cost: 0.08 });
  });

  it("measures the run from the request to the COMPLETE event", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[delay=100][steps=2]"), options(s));
    // STREAMING_URL, two PROGRESS and COMPLETE each come 100 ms apart.
    expect(r.outcome).toBe("succeeded");
    expect(r.durationMs).toBeGreaterThanOrEqual(390);
    expect(r.durationMs).toBeLessThan(3000);
  });

  it("accepts a base URL with a trailing slash", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("x"), options({ url: `${s.url}/` }));
    expect(r.outcome).toBe("succeeded");
    expect(s.requests[0]?.path).toBe(RUN_SSE_PATH);
  });

  it.each([
    ["[fail]", "failed", "Target site blocked the agent (HTTP 403)"],
    ["[cancel]", "cancelled", "Run was cancelled"],
  ])(
    "reports a run that ends %s as provider_failed with the provider's error",
    async (goal, reason, error) => {
      const s = await standIn();
      const r = await runTinyFish(request(`${goal}[steps=3]`), options(s));
      expect(r).toMatchObject({
        outcome: "provider_failed",
        reason,
        status: reason.toUpperCase(),
        error,
        result: null,
        steps: 3,
        cost: 0.048,
      });
    },
  );

  it("counts and skips events of a type it does not know, and reads the type from the SSE event field when data has none", async () => {
    const s = await standIn({
      handler: (_request, events) => ({
        stream: [
          events.started(),
          { event: { type: "SCREENSHOT", url: "https://example.com/s.png" } },
          { raw: 'event: PROGRESS\ndata: {"purpose":"Typed by the event field"}\n\n' },
          { raw: ": a comment line\r\n\r\n" },
          events.complete({ status: "COMPLETED", result: { ok: true } }),
        ],
      }),
    });
    const seen: TinyFishEvent[] = [];
    const r = await runTinyFish(request("x"), options(s, { onEvent: (e) => seen.push(e) }));
    expect(r).toMatchObject({ outcome: "succeeded", result: { ok: true }, steps: 1 });
    expect(r.events).toEqual({ ...noEvents, STARTED: 1, PROGRESS: 1, COMPLETE: 1, UNKNOWN: 1 });
    expect(seen[1]).toMatchObject({ type: "PROGRESS", purpose: "Typed by the event field" });
  });
});

describe("transport errors", () => {
  it("reports a wrong API key as http_401 with the service's message", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("x"), { ...options(s), apiKey: "tf-wrong-key-0000000000" });
    expect(r).toMatchObject({
      outcome: "transport_error",
      reason: "http_401",
      httpStatus: 401,
      status: null,
      error: "HTTP 401: Invalid API key",
      events: noEvents,
    });
  });

  it("never lets the API key into the result, even when the service echoes it", async () => {
    const s = await standIn({ echoKeyInErrors: true });
    const wrongKey = "tf-wrong-key-0123456789";
    const r = await runTinyFish(request("x"), { ...options(s), apiKey: wrongKey });
    expect(s.requests[0]?.apiKey).toBe(wrongKey);
    expect(r.error).toBe("HTTP 401: Invalid API key: [redacted]");
    expect(JSON.stringify(r)).not.toContain(wrongKey);

    const echoing = await standIn({
      handler: (req, events) => ({
        stream: [
          events.started(),
          events.progress(`Logging in with ${req.apiKey}`),
          events.complete({ status: "COMPLETED", result: { token: req.apiKey, [`k-${req.apiKey}`]: 1 } }),
        ],
      }),
    });
    const seen: TinyFishEvent[] = [];
    const completed = await runTinyFish(request("x"), options(echoing, { onEvent: (e) => seen.push(e) }));
    expect(completed.result).toEqual({ token: "[redacted]", "k-[redacted]": 1 });
    expect(JSON.stringify(completed)).not.toContain(API_KEY);
    expect(JSON.stringify(seen)).not.toContain(API_KEY);
  });

  it("reports a body the service rejects as http_400", async () => {
    const s = await standIn();
    const r = await runTinyFish({ url: "https://example.com", goal: "" }, options(s));
    expect(r).toMatchObject({
      outcome: "transport_error",
      reason: "http_400",
      error: "HTTP 400: Validation failed",
    });
  });

  it("reports a server error as http_500", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[http=500]"), options(s));
    expect(r).toMatchObject({ outcome: "transport_error", reason: "http_500", httpStatus: 500 });
    expect(r.error).toBe("HTTP 500: Something went wrong");
  });

  it("refuses a 200 answer that is not an event stream", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[json_reply]"), options(s));
    expect(r).toMatchObject({
      outcome: "transport_error",
      reason: "bad_content_type",
      httpStatus: 200,
      error: "expected text/event-stream, got application/json",
    });
  });

  it("reports a refused connection as connect_refused", async () => {
    const port = await closedPort();
    const r = await runTinyFish(request("x"), options({ url: `http://127.0.0.1:${port}` }));
    expect(r).toMatchObject({ outcome: "transport_error", reason: "connect_refused", httpStatus: null });
  });

  it("reports a connection dropped mid-stream as connection_reset, keeping the steps seen", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[drop][steps=2]"), options(s));
    expect(r).toMatchObject({
      outcome: "transport_error",
      reason: "connection_reset",
      status: null,
      steps: 2,
    });
    expect(r.runId).not.toBeNull();
  });

  it("reports a stream that ends cleanly without COMPLETE as stream_ended", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[truncate][steps=1]"), options(s));
    expect(r).toMatchObject({
      outcome: "transport_error",
      reason: "stream_ended",
      httpStatus: 200,
      steps: 1,
    });
  });

  it("reports an event whose data is not JSON as bad_event", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[malformed]"), options(s));
    expect(r).toMatchObject({
      outcome: "transport_error",
      reason: "bad_event",
      error: "event data is not JSON",
    });
  });

  it("reports a COMPLETE event with an unknown status as bad_event", async () => {
    const s = await standIn({
      handler: (_request, events) => ({
        stream: [events.started(), { event: { type: "COMPLETE", run_id: events.runId, status: "DONE" } }],
      }),
    });
    const r = await runTinyFish(request("x"), options(s));
    expect(r).toMatchObject({ outcome: "transport_error", reason: "bad_event", status: null });
    expect(r.error).toMatch(/^COMPLETE event: status /);
  });

  it("gives up at the timeout while the service only sends heartbeats, and closes the connection", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[slow=20000]"), options(s, { timeoutMs: 400 }));
    expect(r).toMatchObject({ outcome: "transport_error", reason: "timeout", status: null });
    expect(r.events.HEARTBEAT).toBeGreaterThan(0);
    expect(r.durationMs).toBeGreaterThanOrEqual(390);
    expect(r.durationMs).toBeLessThan(3000);
    await expect.poll(() => s.openStreams, { timeout: 2000 }).toBe(0);
  });

  it("stops promptly with reason cancelled when the signal aborts mid-run", async () => {
    const s = await standIn();
    const abort = new AbortController();
    const r = await runTinyFish(
      request("[slow=20000]"),
      options(s, { signal: abort.signal, onEvent: (e) => e.type === "HEARTBEAT" && abort.abort() }),
    );
    expect(r).toMatchObject({ outcome: "transport_error", reason: "cancelled", status: null });
    expect(r.events.HEARTBEAT).toBe(1);
    expect(r.durationMs).toBeLessThan(2000);
    await expect.poll(() => s.openStreams, { timeout: 2000 }).toBe(0);
  });

  it("stops at the abort even when later events, COMPLETE included, arrived in the same chunk", async () => {
    const s = await standIn({
      handler: (_request, events) => {
        const data = (frame: StandInFrame) =>
          "event" in frame ? `data: ${JSON.stringify(frame.event)}\n\n` : "";
        const complete = events.complete({ status: "COMPLETED", result: {} });
        return { stream: [{ raw: data(events.started()) + data(events.progress("p")) + data(complete) }] };
      },
    });
    const abort = new AbortController();
    const r = await runTinyFish(
      request("x"),
      options(s, { signal: abort.signal, onEvent: (e) => e.type === "STARTED" && abort.abort() }),
    );
    expect(r).toMatchObject({ outcome: "transport_error", reason: "cancelled", status: null });
    expect(r.events).toEqual({ ...noEvents, STARTED: 1 });
  });

  it("does not send anything when the signal is already aborted", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("x"), options(s, { signal: AbortSignal.abort() }));
    expect(r).toMatchObject({ outcome: "transport_error", reason: "cancelled", httpStatus: null });
    expect(s.requests).toHaveLength(0);
  });

  it("rejects when onEvent throws, since that is a bug in the caller and not an outcome", async () => {
    const s = await standIn();
    const bug = new Error("listener bug");
    await expect(
      runTinyFish(
        request("x"),
        options(s, {
          onEvent: () => {
            throw bug;
          },
        }),
      ),
    ).rejects.toBe(bug);
  });
});

describe("success assertion end to end", () => {
  const compiled = compileAssertion({
    json_schema: {
      type: "object",
      required: ["products"],
      properties: {
        products: {
          type: "array",
          minItems: 2,
          items: { type: "object", required: ["name", "price"], properties: { price: { type: "number" } } },
        },
      },
    },
  });
  if (!compiled.ok) throw new Error("the test schema must compile");
  const assertion = compiled.checker;

  it("succeeds when the completed result matches the JSON Schema", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("x"), options(s, { assertion }));
    expect(r).toMatchObject({ outcome: "succeeded", reason: null, assertionFailures: [] });
  });

  it("reports assertion_failed with the mismatches when the completed result does not match", async () => {
    const s = await standIn({ result: { products: [{ name: "Bulbasaur", price: "$63.00" }] } });
    const r = await runTinyFish(request("x"), options(s, { assertion }));
    expect(r).toMatchObject({
      outcome: "assertion_failed",
      reason: "assertion",
      status: "COMPLETED",
      result: { products: [{ name: "Bulbasaur", price: "$63.00" }] },
      assertionFailures: ["products must NOT have fewer than 2 items", "products.0.price must be number"],
    });
  });

  it("leaves a failed run provider_failed without applying the assertion", async () => {
    const s = await standIn();
    const r = await runTinyFish(request("[fail]"), options(s, { assertion }));
    expect(r).toMatchObject({ outcome: "provider_failed", assertionFailures: [] });
  });
});
