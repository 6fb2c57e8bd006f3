import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServe } from "../support/spawn-cli.js";
import { type CapacityTarget, startCapacityTarget } from "./experiment-target.js";

// biome-ignore lint/suspicious/noExplicitAny: API answers are read as open-ended JSON.
type Json = Record<string, any>;

/** `aurea serve` (embedded: PGlite in `dataDir`, in-process queue) on a free port. */
const serve = (dataDir: string) => startServe({ AUREA_DATA_DIR: dataDir, AUREA_ALLOW_HOSTS: "127.0.0.1" });

async function json(url: string, method = "GET", body?: unknown): Promise<Json> {
  const r = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return (await r.json()) as Json;
}

async function until(url: string, done: (e: Json) => boolean, timeoutMs = 60_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await json(url);
    if (done(e)) return e;
    if (Date.now() > deadline) throw new Error(`still not there: ${JSON.stringify(e).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running = (step: number) => (e: Json) =>
  e.steps?.some((s: Json) => s.step === step && s.status === "running") === true;

describe("an experiment survives its process", () => {
  const dirs: string[] = [];
  let target: CapacityTarget | undefined;
  afterAll(async () => {
    await target?.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("continues from its first incomplete step after a SIGKILL and after a graceful stop, keeping the steps complete", async () => {
    target = await startCapacityTarget({ slots: 4, serviceMs: 10 });
    const dataDir = await mkdtemp(join(tmpdir(), "aurea-experiment-resume-"));
    dirs.push(dataDir);
    let server = await serve(dataDir);
    const created = await json(`${server.url}/api/v1/experiments`, "POST", {
      target: { kind: "http", url: target.url },
      rates: [20, 30, 40, 50],
      step_duration: "2s",
      warmup: "1s",
      graceful_stop: "1s",
      continue_after_failure: true,
    });
    const path = `/api/v1/experiments/${created.id}`;

    // SIGKILL in step 2: step 1 stays, step 2 runs again.
    const beforeKill = await until(`${server.url}${path}`, running(2));
    const first = beforeKill.steps.find((s: Json) => s.step === 1);
    expect(first.status).toBe("complete");
    await server.kill();
    const killedAt = Date.now();
    server = await serve(dataDir);
    const afterKill = await until(`${server.url}${path}`, running(3));
    expect(afterKill.status).toBe("running");
    expect(afterKill.steps.find((s: Json) => s.step === 1)).toEqual(first);
    const second = afterKill.steps.find((s: Json) => s.step === 2);
    expect(second.status).toBe("complete");
    expect(new Date(second.started_at).getTime()).toBeGreaterThan(killedAt);

    // SIGTERM in step 3: the server stops at once, the experiment stays running for the next start.
    await server.stop();
    server = await serve(dataDir);
    const done = await until(`${server.url}${path}`, (e) => e.status !== "running" && e.status !== "pending");
    expect(done.status).toBe("complete");
    expect(done.steps.map((s: Json) => [s.step, s.status])).toEqual([
      [1, "complete"],
      [2, "complete"],
      [3, "complete"],
      [4, "complete"],
    ]);
    expect(done.steps[0]).toEqual(first);
    expect(done.steps[1]).toEqual(second);
    expect(done.result).toMatchObject({ steps_complete: 4, steps_planned: 4 });
    for (const s of done.steps) expect(s.measurements.throughput).toBeGreaterThan(s.load * 0.9);
    // Only finished steps became runs: the ones cut short left none behind.
    const runs = await json(`${server.url}/api/v1/runs?limit=50`);
    expect(runs.items.map((r: Json) => r.id).sort()).toEqual(done.steps.map((s: Json) => s.run_id).sort());
    expect(runs.items.every((r: Json) => r.status === "completed")).toBe(true);
    await server.stop();
  }, 120_000);
});
