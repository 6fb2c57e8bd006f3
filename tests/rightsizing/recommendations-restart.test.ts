import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.js";
import { loadConfig } from "../../src/config/config.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { BenchmarkService } from "../../src/services/benchmark-service.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry } from "../../src/telemetry/registry.js";
import {
  type BackfilledPrometheus,
  hasPrometheus,
  NAB_53EA38,
  queryRangeRequests,
  startNabPrometheus,
} from "../support/prometheus.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

interface Server {
  app: FastifyInstance;
  platform: Platform;
  get(url: string): Promise<Record<string, unknown>>;
  post(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * Server processes one after another on one store (embedded mode: the in-process queue makes
 * each the store's only user, so it resumes what the previous one left).
 */
describe.each(DRIVERS)("a recommendation left running resumes at the next start (%s)", (driver) => {
  let testStore: TestStore;
  let dataDir: string;
  let prometheus: BackfilledPrometheus | undefined;
  beforeAll(async () => {
    testStore = await openTestStore(driver);
    dataDir = await mkdtemp(join(tmpdir(), "aurea-restart-"));
    if (hasPrometheus) prometheus = await startNabPrometheus();
  }, 120_000);
  afterAll(async () => {
    await testStore?.close();
    await prometheus?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => testStore.reset());

  async function start(): Promise<Server> {
    const config = loadConfig({
      LOG_LEVEL: "silent",
      AUREA_DATA_DIR: dataDir,
      AUREA_ALLOW_HOSTS: "127.0.0.1",
    });
    const telemetry = createTelemetry({ version: "0.0.0-test", processMetrics: false });
    const logger = createLogger({ level: "silent" });
    const platform = await openPlatform({ config, telemetry, logger, store: testStore.store });
    const app = await buildApp({
      config,
      telemetry,
      logger,
      benchmarks: new BenchmarkService({ metrics: telemetry.benchmark }),
      platform,
      version: "0.0.0-test",
    });
    return {
      app,
      platform,
      get: async (url) => (await app.inject({ method: "GET", url })).json(),
      post: async (url, body) => {
        const r = await app.inject({
          method: "POST",
          url,
          ...(body === undefined ? {} : { payload: body as object }),
        });
        return { status: r.statusCode, body: r.json() };
      },
      stop: async () => {
        await app.close();
        await platform.close(0);
      },
    };
  }

  async function finished(server: Server, id: number, timeoutMs = 120_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = await server.get(`/api/v1/recommendations/${id}`);
      if (body.status !== "running") return body;
      if (Date.now() > deadline) throw new Error(`recommendation ${id} still running after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("is made again from its stored CSV collection after the server stopped while fitting it", async () => {
    const first = await start();
    const created = await first.post("/api/v1/recommendations", {
      source: { kind: "csv", csv: await readFile(NAB_53EA38, "utf8"), file: "nab.csv" },
    });
    expect(created.status).toBe(202);
    const id = created.body.id as number;
    // Stopped at once: the collection is stored, the fitting had no time to end.
    await first.stop();
    const row = await first.platform.rightsizing.repo.getRecommendation(id);
    expect(row).toMatchObject({ status: "running", result: null, collectionId: created.body.collection_id });

    const second = await start();
    try {
      const done = await finished(second, id);
      expect(done).toMatchObject({
        status: "complete",
        collection_id: created.body.collection_id,
        series_count: 1,
      });
      expect((done.report as { recommendations: { name: string }[] }).recommendations[0]?.name).toBe("nab");
      // One collection of one chunk: the upload was not stored again.
      const collections = (await second.get("/api/v1/collections")).items as { progress: unknown }[];
      expect(collections).toHaveLength(1);
      expect(collections[0]?.progress).toEqual({ chunks_done: 1, chunks_total: 1 });
      const metrics = await (await second.app.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain('aurea_rightsizing_recommendations_total{status="complete"} 1');
    } finally {
      await second.stop();
    }
  });

  it.skipIf(!hasPrometheus)(
    "resumes its interrupted Prometheus collection where it stopped, then recommends in cores and bytes",
    async () => {
      const url = (prometheus as BackfilledPrometheus).url;
      const asked = await queryRangeRequests(url);
      const first = await start();
      const created = await first.post("/api/v1/recommendations", {
        name: "cart",
        source: { kind: "prometheus", url, namespace: "shop", workload: "cart", days: 14, step_seconds: 60 },
      });
      expect(created.status).toBe(202);
      expect(created.body.source).toEqual({
        kind: "prometheus",
        url,
        namespace: "shop",
        workload: "cart",
        days: 14,
        step_seconds: 60,
      });
      const id = created.body.id as number;
      const collectionId = created.body.collection_id as number;
      for (;;) {
        const c = await first.get(`/api/v1/collections/${collectionId}`);
        if ((c.progress as { chunks_done: number }).chunks_done >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await first.stop();
      const interrupted = await first.platform.rightsizing.repo.getCollection(collectionId);
      expect(interrupted?.status).toBe("interrupted");
      const stored = Number(interrupted?.progress.chunksDone);
      expect(stored).toBeGreaterThanOrEqual(2);
      expect(stored).toBeLessThan(10);

      const second = await start();
      try {
        const done = await finished(second, id);
        expect(done.status).toBe("complete");
        const report = done.report as {
          source: string;
          recommendations: { name: string; cpu: { request: number }; memory: { request: number } }[];
        };
        expect(report.source).toBe(`prometheus:${url}`);
        expect(report.recommendations.map((r) => r.name)).toEqual(["shop/cart"]);
        // Replicas from the resumed collection's chunks of all replicas' CPU (one pod: one).
        const { workloads } = done.report as { workloads: { name: string; replicas: unknown }[] };
        expect(workloads.map((w) => [w.name, w.replicas])).toEqual([
          ["cart", expect.objectContaining({ basis: "cpu", recommended: 1 })],
        ]);
        // NAB 53ea38 is about 1.5–2.5 % CPU: 0.015–0.025 cores; memory about 2.02e8 bytes.
        expect(report.recommendations[0]?.cpu.request).toBeGreaterThan(0.015);
        expect(report.recommendations[0]?.cpu.request).toBeLessThan(0.03);
        expect(report.recommendations[0]?.memory.request).toBeGreaterThan(2e8);
        const collection = await second.get(`/api/v1/collections/${collectionId}`);
        expect(collection).toMatchObject({
          status: "complete",
          progress: { chunks_done: 10, chunks_total: 10 },
        });
        // Prometheus answered each of the ten chunks (five queries: cpu, memory, OOM kills,
        // throttling, all replicas' CPU) once; a request the stop cut short may have reached it too.
        const answered = (await queryRangeRequests(url)) - asked;
        expect(answered).toBeGreaterThanOrEqual(10);
        expect(answered).toBeLessThanOrEqual(11);
        const metadata = await second.get(`/api/v1/collections/${collectionId}/metadata.json`);
        expect(metadata).toMatchObject({
          source: { kind: "prometheus", namespace: "shop", workload: "cart", max_series: 200 },
          metadata: {
            series: expect.arrayContaining([expect.objectContaining({ name: "shop/cart", resource: "cpu" })]),
          },
        });
        expect((metadata.source as { queries: { cpu: string } }).queries.cpu).toContain('pod=~"cart-.*"');
        const exported = await second.app.inject({
          method: "GET",
          url: `/api/v1/collections/${collectionId}/export.csv`,
        });
        expect(exported.body.split("\n")[0]).toBe("timestamp,shop/cart,shop/cart:memory");
        expect(exported.body.trim().split("\n").length).toBeGreaterThan(20_150);
      } finally {
        await second.stop();
      }
    },
  );
});
