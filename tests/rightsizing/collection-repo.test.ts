import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RightsizingRepo } from "../../src/store/rightsizing-repo.js";
import { usageCollections } from "../../src/store/schema.js";
import { DRIVERS, openTestStore, type TestStore } from "../support/stores.js";

const window = { windowStart: new Date("2026-01-01T00:00:00Z"), windowEnd: new Date("2026-01-15T00:00:00Z") };

describe.each(DRIVERS)("RightsizingRepo (%s)", (driver) => {
  let testStore: TestStore;
  let repo: RightsizingRepo;
  beforeAll(async () => {
    testStore = await openTestStore(driver);
    repo = new RightsizingRepo(testStore.store.db);
  }, 120_000);
  afterAll(() => testStore?.close());
  beforeEach(() => testStore.reset());

  const collection = (name = "c", progress = { chunksDone: 0, chunksTotal: 4 }) =>
    repo.createCollection({
      name,
      source: { kind: "prometheus", url: "http://127.0.0.1:9090", stepSeconds: 300 },
      ...window,
      progress,
      metadata: { experiment: { step: 2, replicas: 3 } },
    });

  it("stores a collection's chunks once each, counting them in its progress, and reads them back", async () => {
    const row = await collection();
    expect(row).toMatchObject({ status: "collecting", error: null, finishedAt: null, ...window });
    const series = [
      {
        labels: { container: "x" },
        points: [
          [1_700_000_000, 0.25],
          [1_700_000_300, null],
        ],
      },
    ];
    expect(await repo.saveChunk(row.id, "cpu", 1, series)).toBe(1);
    expect(await repo.saveChunk(row.id, "cpu", 0, [])).toBe(2);
    // A chunk stored again (a resumed collection racing a slow one) keeps what was stored first.
    expect(await repo.saveChunk(row.id, "cpu", 1, [{ other: true }])).toBe(2);
    expect(await repo.saveChunk(row.id, "memory", 0, [])).toBe(3);
    expect(await repo.chunks(row.id)).toEqual([
      { query: "cpu", chunk: 0, series: [] },
      { query: "cpu", chunk: 1, series },
      { query: "memory", chunk: 0, series: [] },
    ]);
    expect((await repo.getCollection(row.id))?.progress).toEqual({ chunksDone: 3, chunksTotal: 4 });
  });

  it("moves a collection through interrupted, collecting and complete, merging its metadata", async () => {
    const row = await collection();
    const interrupted = await repo.finishCollection(row.id, "interrupted");
    expect(interrupted).toMatchObject({ status: "interrupted", finishedAt: null });
    // Only a collecting one ends: a second end is refused.
    expect(await repo.finishCollection(row.id, "failed", { error: "x" })).toBeUndefined();
    expect(await repo.claimCollection(row.id, ["collecting"])).toBeUndefined();
    expect(await repo.collectionsIn(["interrupted"])).toEqual([interrupted]);
    const claimed = await repo.claimCollection(row.id, ["interrupted", "failed"]);
    expect(claimed?.status).toBe("collecting");
    const done = await repo.finishCollection(row.id, "complete", { metadata: { series: [{ name: "x" }] } });
    expect(done?.status).toBe("complete");
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect(done?.metadata).toEqual({ experiment: { step: 2, replicas: 3 }, series: [{ name: "x" }] });
    expect(await repo.claimCollection(row.id, ["collecting", "interrupted", "failed"])).toBeUndefined();
    const failed = await collection("f");
    expect(await repo.finishCollection(failed.id, "failed", { error: "Prometheus refused" })).toMatchObject({
      status: "failed",
      error: "Prometheus refused",
    });
  });

  it("pages collections and recommendations newest first", async () => {
    const ids = [];
    for (const name of ["a", "b", "c"]) ids.push((await collection(name)).id);
    const first = await repo.listCollections({ limit: 2 });
    expect(first.rows.map((r) => r.name)).toEqual(["c", "b"]);
    const second = await repo.listCollections({ limit: 2, after: first.next });
    expect(second.rows.map((r) => r.name)).toEqual(["a"]);
    expect(second.next).toBeUndefined();
    const recs = [];
    for (const id of ids)
      recs.push((await repo.createRecommendation({ collectionId: id, options: { name: `r${id}` } })).id);
    const page = await repo.listRecommendations({ limit: 2 });
    expect(page.rows.map((r) => r.id)).toEqual([recs[2], recs[1]]);
    expect(page.rows[0]).not.toHaveProperty("result");
    expect(page.rows[0]?.collection).toEqual({
      name: "c",
      source: expect.objectContaining({ kind: "prometheus" }),
    });
    expect((await repo.listRecommendations({ limit: 2, after: page.next })).rows.map((r) => r.id)).toEqual([
      recs[0],
    ]);
  });

  it("keeps a recommendation's report, counts its series and lowest confidence, and finishes it once", async () => {
    const c = await collection();
    const rec = await repo.createRecommendation({
      collectionId: c.id,
      options: { name: "r", quantile: 0.97 },
    });
    expect(rec).toMatchObject({ status: "running", result: null, error: null, finishedAt: null });
    expect(await repo.running()).toEqual([rec]);
    expect(await repo.getRecommendation(rec.id)).toMatchObject({ seriesCount: null, minConfidence: null });
    const report = {
      recommendations: [
        { name: "shop/a", confidence: 0.8 },
        { name: "shop/b", confidence: 0.55 },
      ],
      errors: [
        { name: "shop/b", resource: "memory", message: "flat" },
        { name: "shop/c", resource: "cpu", message: "too little history" },
      ],
    };
    const done = await repo.finishRecommendation(rec.id, { status: "partial", result: report });
    expect(done).toMatchObject({ status: "partial", result: report });
    expect(done?.finishedAt).toBeInstanceOf(Date);
    expect(await repo.finishRecommendation(rec.id, { status: "failed", error: "late" })).toBeUndefined();
    expect(await repo.getRecommendation(rec.id)).toMatchObject({
      status: "partial",
      seriesCount: 3,
      minConfidence: 0.55,
      collection: { name: "c" },
    });
    expect(await repo.running()).toEqual([]);
    const later = await repo.createRecommendation({ collectionId: c.id, options: {} });
    await repo.finishRecommendation(later.id, { status: "complete", result: { recommendations: [] } });
    const failed = await repo.createRecommendation({ collectionId: c.id, options: {} });
    await repo.finishRecommendation(failed.id, { status: "failed", error: "x" });
    expect((await repo.latestFinished(5)).map((r) => r.id)).toEqual([rec.id, later.id]);
    expect((await repo.latestFinished(1)).map((r) => r.id)).toEqual([later.id]);
  });

  it("keeps a recommendation whose collection is deleted, without it", async () => {
    const c = await collection();
    await repo.saveChunk(c.id, "cpu", 0, []);
    const rec = await repo.createRecommendation({ collectionId: c.id, options: {} });
    await testStore.store.db.delete(usageCollections).where(eq(usageCollections.id, c.id));
    expect(await repo.chunks(c.id)).toEqual([]);
    expect(await repo.getRecommendation(rec.id)).toMatchObject({ collectionId: null, collection: null });
  });
});
