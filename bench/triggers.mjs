// Child of `npm run bench` (section `triggers`): starts `aurea serve` (fresh PGlite data dir, or
// a new PostgreSQL database), creates a scenario of one 0 ms synthetic job, drives
// POST /api/v1/runs/trigger with autocannon (50 connections, N seconds), then waits until every
// run has finished and checks that each accepted trigger is a stored, completed run.
// Prints one JSON line. Usage: node bench/triggers.mjs <pglite|postgres> <seconds>
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase, postJson, startServe } from "./children.mjs";

const [driver = "pglite", secondsArg = "5"] = process.argv.slice(2);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "aurea-bench-triggers-"));
const env = {
  ...process.env,
  AUREA_DATA_DIR: dataDir,
  AUREA_RUN_CONCURRENCY: process.env.BENCH_RUN_CONCURRENCY ?? "8",
};
delete env.DATABASE_URL;
let dropDatabase = async () => {};
if (driver === "postgres") {
  const database = await createDatabase();
  env.DATABASE_URL = database.url;
  dropDatabase = database.drop;
}

const server = await startServe(env, (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean));
try {
  const base = server.url;
  const post = (path, body) => postJson(base, path, body);
  const automation = await post("/api/v1/automations", {
    name: "noop",
    kind: "synthetic",
    config: { duration_ms: 0 },
  });
  const scenario = await post("/api/v1/scenarios", {
    name: "noop",
    automation_id: automation.id,
    load: { model: "closed", jobs: 1 },
  });
  const out = execFileSync(
    join(ROOT, "node_modules/.bin/autocannon"),
    [
      "-c",
      "50",
      "-d",
      secondsArg,
      "-m",
      "POST",
      "-H",
      "content-type=application/json",
      "-b",
      JSON.stringify({ scenario_id: scenario.id }),
      "--json",
      `${base}/api/v1/runs/trigger`,
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
  );
  const report = JSON.parse(out);
  const accepted = report["2xx"];
  const drainStart = performance.now();
  let kpis;
  for (;;) {
    kpis = await (await fetch(`${base}/api/v1/runs/kpis/dashboard`)).json();
    if (kpis.runs_by_status.pending + kpis.runs_by_status.running === 0) break;
    if (performance.now() - drainStart > 600_000) throw new Error("runs still pending after 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log(
    JSON.stringify({
      driver,
      seconds: Number(secondsArg),
      connections: 50,
      accepted,
      non_2xx: report.non2xx,
      errors: report.errors,
      timeouts: report.timeouts,
      triggers_per_s: accepted / report.duration,
      latency_p99_ms: report.latency.p99,
      drain_s: (performance.now() - drainStart) / 1000,
      stored_runs: kpis.total_runs,
      completed_runs: kpis.runs_by_status.completed,
    }),
  );
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase();
}
