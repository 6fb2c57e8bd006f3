import { describe, expect, it } from "vitest";
import { type PlatformApp, platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

interface Extra {
  headers?: Record<string, string>;
  remoteAddress?: string;
}

/** A request with an API key (Bearer), or without one. */
const call = (t: PlatformApp, method: string, url: string, key?: string, body?: unknown, extra: Extra = {}) =>
  t.app.inject({
    method: method as "GET",
    url,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra.headers },
    ...(body === undefined ? {} : { payload: body as object }),
    ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
  });

async function createKey(t: PlatformApp, scope: string, as?: string, extra: Record<string, unknown> = {}) {
  const created = await call(t, "POST", "/api/v1/keys", as, { name: `${scope} key`, scope, ...extra });
  expect(created.statusCode, created.body).toBe(201);
  return created.json() as { key: string; prefix: string; id: number };
}

async function syntheticScenario(t: PlatformApp, key: string, jobs: number, durationMs: number) {
  const automation = await call(t, "POST", "/api/v1/automations", key, {
    name: `a-${jobs}-${durationMs}`,
    kind: "synthetic",
    config: { duration_ms: durationMs },
  });
  const scenario = await call(t, "POST", "/api/v1/scenarios", key, {
    name: `s-${jobs}-${durationMs}`,
    automation_id: automation.json().id,
    load: { model: "closed", jobs, concurrency: 1 },
  });
  expect(scenario.statusCode, scenario.body).toBe(201);
  return scenario.json().id as number;
}

describe("API keys", () => {
  it("are not needed while none exists (on loopback), and a new key is shown once, then only its prefix", async () => {
    const t = await platformApp();
    expect((await call(t, "GET", "/api/v1/automations")).statusCode).toBe(200);
    expect((await call(t, "GET", "/api/v1/session")).json()).toEqual({
      auth_required: false,
      name: "anonymous",
      prefix: null,
      scope: "admin",
    });
    const admin = await createKey(t, "admin");
    expect(admin.key).toMatch(new RegExp(`^aurea_${admin.prefix}_`));
    const listed = await call(t, "GET", "/api/v1/keys", admin.key);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toEqual([expect.objectContaining({ prefix: admin.prefix, scope: "admin" })]);
    expect(listed.body).not.toContain(admin.key);
    expect(listed.body).not.toContain("hash");
  });

  it("once one exists, are required: 401 without or with a bad key, 403 beyond the key's scope", async () => {
    const t = await platformApp();
    const admin = await createKey(t, "admin");
    const reader = await createKey(t, "read", admin.key);
    const writer = await createKey(t, "write", admin.key);

    const missing = await call(t, "GET", "/api/v1/automations");
    expect(missing.statusCode).toBe(401);
    expect(missing.headers["www-authenticate"]).toContain("Bearer");
    expect(missing.json()).toMatchObject({
      error: "unauthorized",
      details: [{ field: "authorization", rule: "required" }],
    });
    const forged = `aurea_${reader.prefix}_${"x".repeat(43)}`;
    expect((await call(t, "GET", "/api/v1/automations", forged)).json()).toMatchObject({
      statusCode: 401,
      error: "invalid_api_key",
    });
    expect((await call(t, "GET", "/api/v1/automations", "not-a-key")).statusCode).toBe(401);

    expect((await call(t, "GET", "/api/v1/automations", reader.key)).statusCode).toBe(200);
    const readerWrites = await call(t, "POST", "/api/v1/automations", reader.key, {
      name: "x",
      kind: "synthetic",
      config: {},
    });
    expect(readerWrites.statusCode).toBe(403);
    expect(readerWrites.json()).toMatchObject({ error: "insufficient_scope" });
    // X-API-Key works as well as Bearer.
    const viaHeader = await t.app.inject({
      method: "POST",
      url: "/api/v1/automations",
      headers: { "x-api-key": writer.key },
      payload: { name: "x", kind: "synthetic", config: {} },
    });
    expect(viaHeader.statusCode).toBe(201);
    expect((await call(t, "GET", "/api/v1/keys", writer.key)).statusCode).toBe(403);
    expect((await call(t, "PUT", "/api/v1/secrets/s", writer.key, { value: "v" })).statusCode).toBe(403);
    expect((await call(t, "PUT", "/api/v1/secrets/s", admin.key, { value: "v" })).statusCode).toBe(200);
    expect((await call(t, "GET", "/api/v1/session", reader.key)).json()).toMatchObject({
      auth_required: true,
      prefix: reader.prefix,
      scope: "read",
    });
    // Probes stay public; metrics need a read key.
    expect((await call(t, "GET", "/health")).statusCode).toBe(200);
    expect((await call(t, "GET", "/ready")).statusCode).toBe(200);
    expect((await call(t, "GET", "/metrics")).statusCode).toBe(401);
    expect((await call(t, "GET", "/metrics", reader.key)).statusCode).toBe(200);
    expect((await call(t, "POST", "/benchmark/run", reader.key, { num_jobs: 1 })).statusCode).toBe(403);
  });

  it("stop working when revoked or expired", async () => {
    const t = await platformApp();
    const admin = await createKey(t, "admin");
    const soon = await createKey(t, "read", admin.key, {
      expires_at: new Date(Date.now() + 800).toISOString(),
    });
    expect((await call(t, "GET", "/api/v1/runs", soon.key)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await call(t, "GET", "/api/v1/runs", soon.key)).json()).toMatchObject({
      error: "invalid_api_key",
      message: "the API key is expired",
    });
    const doomed = await createKey(t, "read", admin.key);
    expect((await call(t, "GET", "/api/v1/runs", doomed.key)).statusCode).toBe(200);
    const revoked = await call(t, "DELETE", `/api/v1/keys/${doomed.prefix}`, admin.key);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();
    expect((await call(t, "GET", "/api/v1/runs", doomed.key)).json()).toMatchObject({
      message: "the API key is revoked",
    });
    expect((await call(t, "DELETE", "/api/v1/keys/ZZZZZZZZ", admin.key)).statusCode).toBe(404);
    const badExpiry = await call(t, "POST", "/api/v1/keys", admin.key, {
      name: "x",
      scope: "read",
      expires_at: "2001-01-01T00:00:00Z",
    });
    expect(badExpiry.statusCode).toBe(400);
    expect(badExpiry.json().details[0]).toMatchObject({ field: "expires_at" });
  });

  it("limit a key's runs at once and jobs per run", async () => {
    const t = await platformApp();
    const admin = await createKey(t, "admin");
    const limited = await createKey(t, "write", admin.key, { max_concurrent_runs: 1, max_jobs_per_run: 10 });
    const slow = await syntheticScenario(t, admin.key, 5, 300);
    const big = await syntheticScenario(t, admin.key, 50, 1);
    const first = await call(t, "POST", "/api/v1/runs/trigger", limited.key, { scenario_id: slow });
    expect(first.statusCode).toBe(202);
    const second = await call(t, "POST", "/api/v1/runs/trigger", limited.key, { scenario_id: slow });
    expect(second.statusCode).toBe(429);
    expect(second.headers["retry-after"]).toBeDefined();
    expect(second.json()).toMatchObject({
      error: "too_many_runs",
      details: [{ rule: "max_concurrent_runs" }],
    });
    const large = await call(t, "POST", "/api/v1/runs/trigger", limited.key, { scenario_id: big });
    expect(large.statusCode).toBe(403);
    expect(large.json()).toMatchObject({ error: "run_too_large", details: [{ rule: "max_jobs_per_run" }] });
    // Another key is not held back by this one's runs.
    expect((await call(t, "POST", "/api/v1/runs/trigger", admin.key, { scenario_id: slow })).statusCode).toBe(
      202,
    );
  });
});

describe("protections", () => {
  it("rate-limit a key: 429 with Retry-After and x-ratelimit headers, the error as JSON", async () => {
    const t = await platformApp({ env: { AUREA_RATE_LIMIT_PER_MINUTE: "5" } });
    const admin = await createKey(t, "admin");
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 7; i++) {
      last = await call(t, "GET", "/api/v1/runs", admin.key);
      statuses.push(last.statusCode);
    }
    // Five a minute for this key (creating it, anonymously from this machine, was not counted).
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last!.headers["retry-after"]).toBeDefined();
    expect(last!.headers["x-ratelimit-limit"]).toBe("5");
    expect(last!.json()).toMatchObject({ statusCode: 429, error: "rate_limited" });
    // Probes are never limited.
    expect((await call(t, "GET", "/health")).statusCode).toBe(200);
  });

  it("rate-limit clients without a key by address, except this machine's", async () => {
    const t = await platformApp({ env: { AUREA_RATE_LIMIT_PER_MINUTE: "3" } });
    const remote = [];
    for (let i = 0; i < 5; i++)
      remote.push(
        (await call(t, "GET", "/api/v1/runs", undefined, undefined, { remoteAddress: "10.1.2.3" }))
          .statusCode,
      );
    expect(remote).toEqual([200, 200, 200, 429, 429]);
    for (let i = 0; i < 5; i++) expect((await call(t, "GET", "/api/v1/runs")).statusCode).toBe(200);
  });

  it("answer cross-origin requests only from configured origins, and set security headers", async () => {
    const preflight = (t: PlatformApp, origin: string) =>
      t.app.inject({
        method: "OPTIONS",
        url: "/api/v1/runs",
        headers: { origin, "access-control-request-method": "GET" },
      });
    const closed = await platformApp();
    expect(
      (await preflight(closed, "https://evil.example")).headers["access-control-allow-origin"],
    ).toBeUndefined();
    const plain = await call(closed, "GET", "/api/v1/runs");
    expect(plain.headers["x-content-type-options"]).toBe("nosniff");
    expect(plain.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(plain.headers["referrer-policy"]).toBe("no-referrer");

    const open = await platformApp({ env: { AUREA_CORS_ORIGINS: "https://grafana.example" } });
    expect((await preflight(open, "https://grafana.example")).headers["access-control-allow-origin"]).toBe(
      "https://grafana.example",
    );
    expect(
      (await preflight(open, "https://evil.example")).headers["access-control-allow-origin"],
    ).toBeUndefined();
  });

  it("serve /metrics without a key when AUREA_METRICS_AUTH=none", async () => {
    const t = await platformApp({ env: { AUREA_METRICS_AUTH: "none" } });
    await createKey(t, "admin");
    expect((await call(t, "GET", "/metrics")).statusCode).toBe(200);
    expect((await call(t, "GET", "/api/v1/runs")).statusCode).toBe(401);
  });
});
