import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BackfilledPrometheus,
  hasPrometheus,
  queryRangeRequests,
  startNabPrometheus,
} from "../support/prometheus.js";
import { startServe } from "../support/spawn-cli.js";

/** `aurea serve` (embedded: PGlite in `dataDir`, in-process queue) on a free port, with a JSON helper. */
async function serve(dataDir: string) {
  const server = await startServe({ AUREA_DATA_DIR: dataDir, AUREA_ALLOW_HOSTS: "127.0.0.1" });
  const json = async (path: string, body?: unknown) => {
    const r = await fetch(`${server.url}${path}`, {
      ...(body === undefined
        ? {}
        : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { json, kill: server.kill, stop: server.stop };
}

describe.skipIf(!hasPrometheus)("a server killed (SIGKILL) while collecting for a recommendation", () => {
  let prometheus: BackfilledPrometheus;
  let dataDir: string;
  beforeAll(async () => {
    prometheus = await startNabPrometheus();
    dataDir = await mkdtemp(join(tmpdir(), "aurea-rightsizing-kill-"));
  }, 120_000);
  afterAll(async () => {
    await prometheus?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("leaves it collecting; the next server resumes the collection from its stored chunks and recommends", async () => {
    const asked = await queryRangeRequests(prometheus.url);
    const first = await serve(dataDir);
    const created = await first.json("/api/v1/recommendations", {
      source: {
        kind: "prometheus",
        url: prometheus.url,
        namespace: "shop",
        workload: "cart",
        step_seconds: 60,
      },
    });
    expect(created.status).toBe(202);
    const id = created.body.id as number;
    const collectionId = created.body.collection_id as number;
    let atKill: Record<string, unknown> | undefined;
    for (let i = 0; i < 2000 && !atKill; i++) {
      const c = (await first.json(`/api/v1/collections/${collectionId}`)).body;
      if ((c.progress as { chunks_done: number }).chunks_done >= 2) atKill = c;
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await first.kill();
    // Five queries (cpu, memory, OOM kills, throttling, all replicas' CPU), two chunks each.
    expect(atKill).toMatchObject({ status: "collecting", progress: { chunks_total: 10 } });
    expect(Number((atKill?.progress as { chunks_done?: number } | undefined)?.chunks_done)).toBeLessThan(10);

    const second = await serve(dataDir);
    try {
      let done: Record<string, unknown> = {};
      for (let i = 0; i < 1200; i++) {
        done = (await second.json(`/api/v1/recommendations/${id}`)).body;
        if (done.status !== "running") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(done.status).toBe("complete");
      const [cart] = (done.report as { recommendations: { name: string; cpu: { request: number } }[] })
        .recommendations;
      expect(cart?.name).toBe("shop/cart");
      expect(cart?.cpu.request).toBeGreaterThan(0.015);
      expect(cart?.cpu.request).toBeLessThan(0.03);
      expect((await second.json(`/api/v1/collections/${collectionId}`)).body).toMatchObject({
        status: "complete",
        progress: { chunks_done: 10, chunks_total: 10 },
      });
      // Ten chunks, each answered once; the one in flight when the process died may have been
      // answered too, then asked again.
      const answered = (await queryRangeRequests(prometheus.url)) - asked;
      expect(answered).toBeGreaterThanOrEqual(10);
      expect(answered).toBeLessThanOrEqual(11);
    } finally {
      await second.stop();
    }
  });
});
