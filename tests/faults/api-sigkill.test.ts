import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServe } from "../support/spawn-cli.js";

/** SIGKILLs of the API process mid-run (the issue's 20; fewer with AUREA_FAULT_KILLS). */
const KILLS = Number(process.env.AUREA_FAULT_KILLS ?? 20);
const FINISHED = ["completed", "failed", "cancelled"];

/** `aurea serve` (embedded: PGlite in `dataDir`, in-process queue) on a free port. */
const serve = (dataDir: string) => startServe({ AUREA_DATA_DIR: dataDir, AUREA_RUN_CONCURRENCY: "4" });

const json = async (url: string, method = "GET", body?: unknown) => {
  const r = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe("SIGKILL of the API process mid-run (embedded mode)", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it(`leaves no run stuck and none lost, over ${KILLS} kills: each is completed, failed as interrupted, or re-run`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "aurea-sigkill-"));
    dirs.push(dataDir);
    let server = await serve(dataDir);
    const automation = await json(`${server.url}/api/v1/automations`, "POST", {
      name: "sleepy",
      kind: "synthetic",
      config: { duration_ms: 50 },
    });
    const scenario = (name: string, onInterrupt: "fail" | "rerun") =>
      json(`${server.url}/api/v1/scenarios`, "POST", {
        name,
        automation_id: automation.body.id,
        load: { model: "closed", jobs: 20, concurrency: 2 },
        on_interrupt: onInterrupt,
      });
    const failing = (await scenario("fails when interrupted", "fail")).body.id;
    const rerun = (await scenario("reruns when interrupted", "rerun")).body.id;
    expect([failing, rerun].every((id) => typeof id === "number")).toBe(true);

    const accepted: number[] = [];
    let killedWhileRunning = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      for (const scenarioId of [failing, rerun, failing, rerun]) {
        const triggered = await json(`${server.url}/api/v1/runs/trigger`, "POST", {
          scenario_id: scenarioId,
        });
        expect(triggered.status).toBe(202);
        accepted.push(triggered.body.id as number);
      }
      // Into the runs: each takes ~0.5 s, four at once.
      await new Promise((resolve) => setTimeout(resolve, 100 + ((kill * 137) % 500)));
      const running = await json(`${server.url}/api/v1/runs?status=running`);
      killedWhileRunning += (running.body.items as unknown[]).length;
      await server.kill();
      server = await serve(dataDir);
    }
    // After the last restart every accepted run settles.
    const deadline = Date.now() + 120_000;
    let runs: { id: number; status: string; reason: string | null; attempts: number; scenario_id: number }[] =
      [];
    for (;;) {
      const page = await json(`${server.url}/api/v1/runs?limit=500&order=asc`);
      runs = page.body.items as typeof runs;
      if (runs.length >= accepted.length && runs.every((r) => FINISHED.includes(r.status))) break;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await server.stop();
    const byId = new Map(runs.map((r) => [r.id, r]));
    const outcome = (r: (typeof runs)[number]) =>
      r.status === "completed" && r.attempts > 1
        ? "re-run and completed"
        : `${r.status}${r.reason ? ` (${r.reason})` : ""}`;
    const counts: Record<string, number> = {};
    for (const r of runs) counts[outcome(r)] = (counts[outcome(r)] ?? 0) + 1;
    console.info(
      `${KILLS} SIGKILLs, ${killedWhileRunning} runs running when killed, ${accepted.length} triggered: ${JSON.stringify(counts)}, stuck ${runs.filter((r) => !FINISHED.includes(r.status)).length}, lost ${accepted.filter((id) => !byId.has(id)).length}`,
    );
    expect(killedWhileRunning).toBeGreaterThan(0);
    for (const id of accepted) expect(byId.has(id), `run ${id} was accepted and is not lost`).toBe(true);
    expect(runs.filter((r) => !FINISHED.includes(r.status))).toEqual([]);
    // An interrupted run of the `fail` scenario is failed as interrupted; one of `rerun` is run again.
    for (const r of runs) {
      if (r.status === "failed") expect(r.reason).toBe("interrupted");
      if (r.scenario_id === rerun && r.status === "failed") expect(r.attempts).toBeGreaterThanOrEqual(3);
    }
    expect(runs.some((r) => r.scenario_id === failing && r.reason === "interrupted")).toBe(true);
    expect(runs.some((r) => r.scenario_id === rerun && r.attempts > 1 && r.status === "completed")).toBe(
      true,
    );
  }, 900_000);
});
