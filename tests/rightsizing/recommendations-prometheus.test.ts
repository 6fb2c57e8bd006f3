import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PlatformApp, platformApps } from "../support/platform-app.js";
import { type BackfilledPrometheus, hasPrometheus, startNabPrometheus } from "../support/prometheus.js";
import { freePort } from "../support/redis.js";

async function finished(t: PlatformApp, id: number, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await t.request("GET", `/api/v1/recommendations/${id}`)).json() as Record<string, unknown>;
    if (body.status !== "running") return body;
    if (Date.now() > deadline) throw new Error(`recommendation ${id} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const env = { AUREA_ALLOW_HOSTS: "127.0.0.1" };

describe("recommendations from a Prometheus that cannot give them all", () => {
  const open = platformApps();
  let prometheus: BackfilledPrometheus | undefined;
  beforeAll(async () => {
    if (hasPrometheus) prometheus = await startNabPrometheus();
  }, 120_000);
  afterAll(() => prometheus?.stop());

  it.skipIf(!hasPrometheus)("is partial when one container's usage is flat, naming it", async () => {
    const t = await open({ env });
    const url = (prometheus as BackfilledPrometheus).url;
    const created = await t.request("POST", "/api/v1/recommendations", {
      source: { kind: "prometheus", url, namespace: "shop" },
    });
    expect(created.statusCode).toBe(202);
    expect(created.json().name).toBe("shop");
    const done = await finished(t, created.json().id);
    expect(done).toMatchObject({ status: "partial", series_count: 2, error: null });
    const report = done.report as {
      recommendations: { name: string }[];
      errors: { name: string; message: string }[];
    };
    expect(report.recommendations.map((r) => r.name)).toEqual(["shop/cart"]);
    expect(report.errors).toEqual([
      { name: "shop/web", resource: "cpu", message: expect.stringContaining("flat: every sample is 0.5") },
    ]);
    const csv = (await t.request("GET", `/api/v1/recommendations/${created.json().id}/export.csv`)).body;
    expect(csv.trim().split("\n").at(-1)).toMatch(/^shop\/web,cpu,,,,,,,,,,.*flat: every sample is 0\.5/);
    const metrics = (await t.request("GET", "/metrics")).body;
    expect(metrics).toContain('aurea_rightsizing_recommendations_total{status="partial"} 1');
    expect(metrics).toContain(
      'aurea_rightsizing_recommended_memory_bytes{series="shop/cart",kind="limit",recommender="krr"}',
    );
    expect(metrics).not.toContain('series="shop/web"');
  });

  it.skipIf(!hasPrometheus)("fails naming the namespace when Prometheus has no usage for it", async () => {
    const t = await open({ env });
    const created = await t.request("POST", "/api/v1/recommendations", {
      source: { kind: "prometheus", url: (prometheus as BackfilledPrometheus).url, namespace: "nowhere" },
    });
    const done = await finished(t, created.json().id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(
      /^Prometheus has no container usage for namespace "nowhere" from .* \(no series for /,
    );
    expect(done.report).toBeNull();
    expect((await t.request("GET", `/api/v1/collections/${done.collection_id}`)).json().status).toBe(
      "complete",
    );
  });

  it("fails naming an unreachable Prometheus after its retries, and its collection can be resumed", async () => {
    const t = await open({ env });
    const port = await freePort();
    const created = await t.request("POST", "/api/v1/recommendations", {
      source: { kind: "prometheus", url: `http://127.0.0.1:${port}`, namespace: "shop" },
    });
    expect(created.statusCode).toBe(202);
    const done = await finished(t, created.json().id);
    expect(done).toMatchObject({
      status: "failed",
      error: `Prometheus at http://127.0.0.1:${port} is unreachable (ECONNREFUSED) after 4 attempts`,
    });
    const collection = (await t.request("GET", `/api/v1/collections/${done.collection_id}`)).json();
    expect(collection).toMatchObject({ status: "failed", error: done.error, progress: { chunks_done: 0 } });
    expect((await t.request("GET", `/api/v1/collections/${done.collection_id}/export.csv`)).statusCode).toBe(
      409,
    );
    expect((await t.request("GET", `/api/v1/recommendations/${done.id}/export.csv`)).statusCode).toBe(409);
    expect((await t.request("GET", `/api/v1/recommendations/${done.id}/usage?series=x`)).statusCode).toBe(
      409,
    );
    const resumed = await t.request("POST", `/api/v1/collections/${done.collection_id}/resume`);
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json()).toMatchObject({ status: "collecting", error: null });
    const again = await t.request("POST", `/api/v1/collections/${done.collection_id}/resume`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe("already_collecting");
    expect((await t.request("GET", "/metrics")).body).toContain(
      'aurea_rightsizing_collections_total{status="failed"} 1',
    );
  });
});
