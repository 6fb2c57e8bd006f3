// Child of `npm run bench` (section `load`): `aurea serve` on a new PostgreSQL database (as a
// team would expose it; the embedded PGlite serves one statement at a time) with API keys, under <clients> concurrent clients for <seconds> s — half triggering runs with a
// write key, half reading the KPI dashboard with a read key (load-clients.mjs, two processes) — then
// waits until every run finished and accounts for every accepted trigger.
// Each client waits <think_ms> (1 s) after an answer before its next request, as k6's
// `sleep(1)` users and polling dashboards do (0: a closed loop with no think time); the clients
// arrive over <ramp_s> (10 s) first, as a k6 ramping stage.
// Prints one JSON line. Usage: node bench/load.mjs <clients> <seconds> [think_ms] [ramp_s]
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createDatabase, startServe } from "./children.mjs";

const [clientsArg = "500", secondsArg = "60", thinkArg = "1000", rampArg = "10"] = process.argv.slice(2);
const clients = Number(clientsArg);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "aurea-bench-load-"));
const env = {
  ...process.env,
  AUREA_DATA_DIR: dataDir,
  // Generous limits, so the load meets them rather than being all 429s: 1,000 requests/s and 50
  // runs at once per key.
  AUREA_RATE_LIMIT_PER_MINUTE: "60000",
  AUREA_MAX_CONCURRENT_RUNS_PER_KEY: "50",
};
delete env.REDIS_URL;
const database = await createDatabase("bench_load");
env.DATABASE_URL = database.url;
env.AUREA_DB_POOL_SIZE = "20";

const json = async (base, path, key, body) => {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
};
const clientsRun = (url, count, extra) =>
  promisify(execFile)(
    process.execPath,
    [join(ROOT, "bench/load-clients.mjs"), url, String(count), secondsArg, thinkArg, rampArg, ...extra],
    { maxBuffer: 64 * 1024 * 1024 },
  ).then(({ stdout }) => JSON.parse(stdout));

const server = await startServe(env);
try {
  const base = server.url;
  // The first key is made while the server still has none (open on 127.0.0.1).
  const admin = (await json(base, "/api/v1/keys", undefined, { name: "bench-admin", scope: "admin" })).key;
  const writer = (await json(base, "/api/v1/keys", admin, { name: "bench-writer", scope: "write" })).key;
  const reader = (await json(base, "/api/v1/keys", admin, { name: "bench-reader", scope: "read" })).key;
  const automation = await json(base, "/api/v1/automations", writer, {
    name: "noop",
    kind: "synthetic",
    config: { duration_ms: 0 },
  });
  const scenario = await json(base, "/api/v1/scenarios", writer, {
    name: "noop",
    automation_id: automation.id,
    load: { model: "closed", jobs: 1 },
  });
  const half = Math.floor(clients / 2);
  const [triggers, reads] = await Promise.all([
    clientsRun(`${base}/api/v1/runs/trigger`, half, [
      "POST",
      JSON.stringify({ scenario_id: scenario.id }),
      "content-type=application/json",
      `authorization=Bearer ${writer}`,
    ]),
    clientsRun(
      `${base}/api/v1/runs/kpis/dashboard?from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`,
      clients - half,
      ["GET", "", `authorization=Bearer ${reader}`],
    ),
  ]);
  const drainStart = performance.now();
  let kpis;
  for (;;) {
    kpis = await json(base, "/api/v1/runs/kpis/dashboard", reader);
    if (kpis.runs_by_status.pending + kpis.runs_by_status.running === 0) break;
    if (performance.now() - drainStart > 600_000) throw new Error("runs still pending after 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log(
    JSON.stringify({
      clients,
      seconds: Number(secondsArg),
      think_ms: Number(thinkArg),
      trigger_codes: triggers.codes,
      read_codes: reads.codes,
      trigger_errors: triggers.errors,
      trigger_timeouts: triggers.timeouts,
      read_errors: reads.errors,
      read_timeouts: reads.timeouts,
      accepted: triggers.codes["202"] ?? 0,
      triggers_per_s: triggers.per_second,
      reads_per_s: reads.per_second,
      read_p50_ms: reads.p50_ms,
      read_p99_ms: reads.p99_ms,
      read_slow_by_second: reads.slow_by_second,
      trigger_slow_by_second: triggers.slow_by_second,
      trigger_p99_ms: triggers.p99_ms,
      stored_runs: kpis.total_runs,
      completed_runs: kpis.runs_by_status.completed,
      drain_s: (performance.now() - drainStart) / 1000,
    }),
  );
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await database.drop();
}
