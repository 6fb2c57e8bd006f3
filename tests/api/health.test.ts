import { afterEach, describe, expect, it } from "vitest";
import { eventLoopCheck } from "../../src/api/event-loop-check.js";
import type { CheckResult } from "../../src/api/routes/health-routes.js";
import { TEST_VERSION, testApps } from "../support/api-app.js";

const app = testApps();

interface Readiness {
  status: "ready" | "not_ready";
  checks: Record<string, CheckResult>;
}

let stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});
const realEventLoopCheck = (maxLagMs?: number) => {
  const { check, stop } = eventLoopCheck(maxLagMs);
  stops.push(stop);
  return check;
};

const ready = async (t: Awaited<ReturnType<typeof app>>) => {
  const response = await t.app.inject({ method: "GET", url: "/ready" });
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  return { statusCode: response.statusCode, body: response.json<Readiness>() };
};

describe("GET /health", () => {
  it("answers 200 with status ok and the version", async () => {
    const t = await app();
    const response = await t.app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: "ok",
      version: TEST_VERSION,
      uptime_s: expect.any(Number),
    });
  });
});

describe("GET /ready", () => {
  it("answers 200 with the event loop up, using the real event-loop check", async () => {
    const t = await app({ readiness: { event_loop: realEventLoopCheck() } });
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(200);
    expect(body.status).toBe("ready");
    expect(body.checks.event_loop).toMatchObject({ status: "up", p99_lag_ms: expect.any(Number) });
  });

  it("answers 503 when the event loop was blocked for longer than the allowed lag", async () => {
    const t = await app({ readiness: { event_loop: realEventLoopCheck(20) } });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // Hold the thread, as a CPU-bound benchmark would.
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(503);
    expect(body.status).toBe("not_ready");
    expect(body.checks.event_loop!.status).toBe("down");
    expect(body.checks.event_loop!.p99_lag_ms as number).toBeGreaterThan(20);
  });

  it("answers 503 naming the component whose check is down, alongside those that are up", async () => {
    const t = await app({
      readiness: {
        event_loop: realEventLoopCheck(),
        database: async () => ({ status: "down", reason: "connection refused" }),
      },
    });
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(503);
    expect(body.status).toBe("not_ready");
    expect(body.checks.database).toEqual({ status: "down", reason: "connection refused" });
    expect(body.checks.event_loop!.status).toBe("up");
  });

  it("counts a check that throws as down, with its message", async () => {
    const t = await app({
      readiness: {
        queue: () => {
          throw new Error("redis unreachable");
        },
      },
    });
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(503);
    expect(body.checks.queue).toEqual({ status: "down", error: "redis unreachable" });
  });

  it("counts a check whose promise rejects as down", async () => {
    const t = await app({ readiness: { store: () => Promise.reject(new Error("disk full")) } });
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(503);
    expect(body.checks.store).toEqual({ status: "down", error: "disk full" });
  });

  it("answers 503 once shutdown began, while /health stays 200", async () => {
    let shuttingDown = false;
    const t = await app({
      readiness: { event_loop: realEventLoopCheck() },
      isShuttingDown: () => shuttingDown,
    });
    expect((await ready(t)).statusCode).toBe(200);
    shuttingDown = true;
    const { statusCode, body } = await ready(t);
    expect(statusCode).toBe(503);
    expect(body.checks.shutdown).toMatchObject({ status: "down" });
    expect((await t.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  });
});

describe("unknown routes", () => {
  it("answer a JSON 404 naming the method and path, without the query", async () => {
    const t = await app();
    const response = await t.app.inject({ method: "GET", url: "/benchmarks/run?token=secret" });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: "not_found",
      message: "no route GET /benchmarks/run",
    });
  });

  it("answer 404 to a GET on the POST-only benchmark route", async () => {
    const t = await app();
    const response = await t.app.inject({ method: "GET", url: "/benchmark/run" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: "not_found" });
  });
});

describe("x-request-id", () => {
  it("echoes the id the client sent", async () => {
    const t = await app();
    const response = await t.app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": "client-id_42.a:b" },
    });
    expect(response.headers["x-request-id"]).toBe("client-id_42.a:b");
  });

  it("generates a fresh id per request when none was sent", async () => {
    const t = await app();
    const first = await t.app.inject({ method: "GET", url: "/health" });
    const second = await t.app.inject({ method: "GET", url: "/health" });
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(first.headers["x-request-id"]).toMatch(uuid);
    expect(second.headers["x-request-id"]).toMatch(uuid);
    expect(second.headers["x-request-id"]).not.toBe(first.headers["x-request-id"]);
  });

  it.each([
    ["spaces and markup", "<script> alert"],
    ["more than 128 characters", "a".repeat(129)],
  ])("replaces an id with %s by a generated one", async (_what, id) => {
    const t = await app();
    const response = await t.app.inject({ method: "GET", url: "/health", headers: { "x-request-id": id } });
    expect(response.headers["x-request-id"]).not.toBe(id);
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("is set on error responses too", async () => {
    const t = await app();
    const response = await t.app.inject({
      method: "POST",
      url: "/benchmark/run",
      payload: { num_jobs: 0, job_duration_ms: 0 },
      headers: { "x-request-id": "bad-input-1" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["x-request-id"]).toBe("bad-input-1");
  });
});
