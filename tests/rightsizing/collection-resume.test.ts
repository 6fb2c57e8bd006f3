import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CollectionService } from "../../src/services/rightsizing/collection-service.js";
import { PrometheusClient } from "../../src/services/rightsizing/prometheus-client.js";
import { RightsizingRepo } from "../../src/store/rightsizing-repo.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { RightsizingMetrics } from "../../src/telemetry/rightsizing-metrics.js";
import { type BackfilledPrometheus, hasPrometheus, startNabPrometheus } from "../support/prometheus.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";
import { requireTools } from "../support/tools.js";

/**
 * The range requests a service's Prometheus client sends (query and start of each), through the
 * real fetch. `interruptAt`: when the request of that number is about to go out, `interrupt()`
 * runs first — a shutdown arriving between two chunks — and the request, its signal now
 * aborted, never reaches Prometheus.
 */
function recordingFetch(options: { interruptAt?: number; interrupt?: () => void } = {}) {
  const sent: string[] = [];
  let asked = 0;
  const recording = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    if (url.pathname === "/api/v1/query_range") {
      asked++;
      if (asked === options.interruptAt) options.interrupt?.();
      init?.signal?.throwIfAborted();
      sent.push(`${url.searchParams.get("query")}@${url.searchParams.get("start")}`);
    }
    return fetch(input, init);
  }) as typeof fetch;
  return { sent, fetch: recording };
}

describe.skipIf(!hasPrometheus).each(DRIVERS)(
  "a Prometheus collection interrupted after some chunks and resumed (%s)",
  (driver) => {
    let prometheus: BackfilledPrometheus;
    let testStore: TestStore;
    let repo: RightsizingRepo;
    const logger = createLogger({ level: "silent" });

    beforeAll(async () => {
      prometheus = await startNabPrometheus();
      testStore = await openTestStore(driver);
      repo = new RightsizingRepo(testStore.store.db);
    }, 120_000);
    afterAll(async () => {
      await testStore?.close();
      await prometheus?.stop();
    });
    beforeEach(() => testStore.reset());

    /** A collection service as a (re)started process has it: its own client, fetch and metrics. */
    const service = (fetchFn: typeof fetch, registry = new Registry()) =>
      new CollectionService({
        repo,
        clientFor: (url) => new PrometheusClient(url, { fetch: fetchFn }),
        metrics: new RightsizingMetrics(registry),
        logger,
        // Both collections get the same window: 14 days of 1-minute steps ending at the data's end.
        now: () => new Date((prometheus.end + 30) * 1000),
      });
    const create = (collections: CollectionService, name: string) =>
      collections.createPrometheus({
        name,
        url: prometheus.url,
        namespace: "shop",
        days: 14,
        stepSeconds: 60,
      });

    it("fetches each chunk once and ends with the same usage as an uninterrupted collection", async () => {
      // 14 days of minutes are 20,161 points a series: two requests per query, eight in all.
      const whole = recordingFetch();
      const uninterrupted = service(whole.fetch);
      const reference = await create(uninterrupted, "whole");
      expect(reference.progress).toEqual({ chunksDone: 0, chunksTotal: 8 });
      expect((await uninterrupted.collect(reference.id))?.status).toBe("complete");
      expect(whole.sent).toHaveLength(8);
      expect(new Set(whole.sent).size).toBe(8);
      const expected = await uninterrupted.usage(reference.id);
      expect(expected?.series.map((s) => `${s.name}:${s.resource}`).sort()).toEqual([
        "shop/cart:cpu",
        "shop/cart:memory",
        "shop/web:cpu",
      ]);
      // The backfilled data covers the window but for its first minutes (rate needs two samples).
      for (const s of expected?.series ?? []) expect(s.values.length).toBeGreaterThan(20_150);

      // The first process is stopped as it is about to ask for its fourth chunk.
      let first: CollectionService | undefined;
      const before = recordingFetch({ interruptAt: 4, interrupt: () => void first?.close() });
      const firstRegistry = new Registry();
      first = service(before.fetch, firstRegistry);
      const row = await create(first, "resumed");
      const stopped = await first.collect(row.id);
      expect(stopped?.status).toBe("interrupted");
      expect(stopped?.finishedAt).toBeNull();
      expect(stopped?.progress).toEqual({ chunksDone: 3, chunksTotal: 8 });
      expect(before.sent).toEqual(whole.sent.slice(0, 3));
      expect((await repo.chunks(row.id)).map((c) => `${c.query}#${c.chunk}`)).toEqual([
        "cpu#0",
        "cpu#1",
        "memory#0",
      ]);
      expect(await firstRegistry.getSingleMetricAsString("aurea_rightsizing_collections_total")).toContain(
        'aurea_rightsizing_collections_total{status="interrupted"} 1',
      );
      expect(await first.usage(row.id)).toBeUndefined();

      // The next process resumes it at start-up and asks only for the five chunks still missing.
      const after = recordingFetch();
      const second = service(after.fetch);
      expect(await second.recover()).toBe(1);
      const resumed = await second.collect(row.id);
      expect(resumed?.status).toBe("complete");
      expect(resumed?.progress).toEqual({ chunksDone: 8, chunksTotal: 8 });
      expect(after.sent).toEqual(whole.sent.slice(3));
      expect([...before.sent, ...after.sent].sort()).toEqual([...whole.sent].sort());

      // Assembled from the stored chunks by a process that fetched none of them: the same usage.
      const fresh = service(recordingFetch().fetch);
      const usage = await fresh.usage(row.id);
      expect(usage?.series).toEqual(expected?.series);
      expect(usage?.oomKillsAt).toEqual(expected?.oomKillsAt);
      expect(usage?.throttled).toEqual(expected?.throttled);
      expect(usage?.empty).toEqual(expected?.empty);
      expect(usage?.series[0]?.values.some(Number.isNaN)).toBe(false);
    });

    it("resumes one a killed process left collecting, and refuses to resume a complete one", async () => {
      const first = service(recordingFetch().fetch);
      const row = await create(first, "left collecting");
      // What a killed process leaves: collecting, with the chunks it stored.
      expect(await repo.claimCollection(row.id, ["collecting"])).toBeDefined();
      await repo.saveChunk(row.id, "cpu", 0, []);
      const after = recordingFetch();
      const second = service(after.fetch);
      expect(await second.resume(row.id)).toMatchObject({ collection: { status: "collecting" } });
      expect(await second.resume(row.id)).toEqual({ problem: "collecting" });
      const done = await second.collect(row.id);
      expect(done?.status).toBe("complete");
      expect(after.sent).toHaveLength(7);
      expect(await second.resume(row.id)).toEqual({ problem: "complete" });
      expect(await second.resume(123_456)).toEqual({ problem: "no_collection" });
    });

    it("fails with Prometheus' message when a query returns more series than allowed, and can be resumed", async () => {
      const collections = service(recordingFetch().fetch);
      const row = await collections.createPrometheus({
        name: "too many",
        url: prometheus.url,
        namespace: "shop",
        days: 14,
        stepSeconds: 300,
        maxSeries: 1,
      });
      const failed = await collections.collect(row.id);
      expect(failed?.status).toBe("failed");
      expect(failed?.error).toMatch(/returned 2 series, more than 1/);
      expect(failed?.finishedAt).toBeInstanceOf(Date);
      expect(await collections.resume(row.id)).toMatchObject({ collection: { status: "collecting" } });
      expect((await collections.collect(row.id))?.status).toBe("failed");
    });
  },
);

it.runIf(!hasPrometheus && requireTools)(
  "has prometheus and promtool installed when AUREA_REQUIRE_TOOLS=1",
  () => {
    expect.fail("prometheus/promtool are not on PATH (Debian package prometheus)");
  },
);
