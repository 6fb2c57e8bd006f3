// Child of `npm run bench` (section `kpis`): seeds N finished runs into a fresh store (PGlite in
// memory, or a new PostgreSQL database), rebuilds the rollups, then times GET
// /api/v1/runs/kpis/dashboard through the real Fastify app. Prints one JSON line.
// Usage: node bench/kpis.mjs <pglite|postgres> <runs> <requests>
import { sql } from "drizzle-orm";
import { buildApp } from "../dist/api/app.js";
import { loadConfig } from "../dist/config/config.js";
import { encodeHistogram, seededRandom } from "../dist/engine/index.js";
import { latencyHistogram } from "../dist/engine/stats/histogram.js";
import { openPlatform } from "../dist/server/platform.js";
import { BenchmarkService } from "../dist/services/benchmark-service.js";
import { openStore } from "../dist/store/database.js";
import { rebuildRollups } from "../dist/store/rollups-repo.js";
import { createLogger } from "../dist/telemetry/logger.js";
import { createTelemetry } from "../dist/telemetry/registry.js";
import { createDatabase } from "./children.mjs";

const [driver = "pglite", runsArg = "100000", requestsArg = "60"] = process.argv.slice(2);
const RUNS = Number(runsArg);
const REQUESTS = Number(requestsArg);
const SCENARIOS = 20;
const DAYS = 90;

let dropDatabase = async () => {};
let store;
if (driver === "postgres") {
  const database = await createDatabase();
  store = await openStore({ databaseUrl: database.url, poolSize: 10 });
  dropDatabase = database.drop;
} else {
  store = await openStore({ dataDir: "memory://" });
}

try {
  await store.migrate();
  // 64 distinct latency histograms (each of 100 jobs around 5–200 ms) for the runs to share.
  const random = seededRandom(42);
  const pool = [];
  for (let i = 0; i < 64; i++) {
    const h = latencyHistogram();
    const base = 5000 + random.next() * 195_000;
    for (let j = 0; j < 100; j++) h.recordValue(Math.round(base * (0.5 + random.next())));
    pool.push(encodeHistogram(h));
  }
  const seedStart = performance.now();
  const chunk = 50_000;
  for (let from = 0; from < RUNS; from += chunk) {
    const to = Math.min(RUNS, from + chunk);
    await store.db.execute(sql`
      insert into runs (scenario_id, scenario_name, source, status, spec, created_at, started_at, finished_at,
        duration_s, total_jobs, failed_jobs, success_rate, throughput, p50_ms, p95_ms, p99_ms, cost,
        thresholds_passed, passed, outcomes, histogram)
      select 1 + i % ${SCENARIOS}::int, 'scenario-' || (1 + i % ${SCENARIOS}::int), 'trigger',
        case when i % 23 = 0 then 'failed' when i % 31 = 0 then 'cancelled' else 'completed' end,
        '{}'::jsonb,
        now() - make_interval(secs => (i::double precision / ${RUNS}::int) * ${DAYS}::int * 86400),
        now(), now(), 1.5, 100, i % 7, 0.93, 66.7, 40, 120, 180, 0.0015,
        i % 5 <> 0, i % 23 <> 0 and i % 31 <> 0 and i % 5 <> 0, '{"succeeded": 93}'::jsonb,
        ${JSON.stringify(pool)}::jsonb ->> ((i::bigint * 7919) % ${pool.length}::int)::int
      from generate_series(${from}::int, ${to - 1}::int) as i`);
  }
  const seedS = (performance.now() - seedStart) / 1000;
  const rollupStart = performance.now();
  await rebuildRollups(store.db);
  const rollupS = (performance.now() - rollupStart) / 1000;

  const config = loadConfig({ LOG_LEVEL: "silent", AUREA_DATA_DIR: "/tmp/aurea-bench-kpis" });
  const telemetry = createTelemetry({ version: "bench" });
  const logger = createLogger({ level: "silent" });
  const platform = await openPlatform({ config, telemetry, logger, store });
  const app = await buildApp({
    config,
    telemetry,
    logger,
    benchmarks: new BenchmarkService({ metrics: telemetry.benchmark }),
    platform,
    version: "bench",
  });
  const now = Date.now();
  const windows = {
    "all time": "",
    "last 30 days": `?from=${new Date(now - 30 * 86_400_000 - 1_234_567).toISOString()}`,
    "one scenario, 7 days ending mid-hour": `?scenario_id=3&from=${new Date(now - 7 * 86_400_000 - 777_000).toISOString()}&to=${new Date(now - 1_800_000).toISOString()}`,
  };
  const results = {};
  for (const [label, query] of Object.entries(windows)) {
    const url = `/api/v1/runs/kpis/dashboard${query}`;
    let body;
    for (let i = 0; i < 3; i++) body = (await app.inject({ method: "GET", url })).json();
    const times = [];
    for (let i = 0; i < REQUESTS; i++) {
      const start = performance.now();
      const response = await app.inject({ method: "GET", url });
      times.push(performance.now() - start);
      if (response.statusCode !== 200)
        throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    }
    times.sort((a, b) => a - b);
    const at = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
    results[label] = {
      p50_ms: at(50),
      p95_ms: at(95),
      max_ms: times.at(-1),
      total_runs: body.total_runs,
      p95_latency_ms: body.latency_ms.p95,
    };
  }
  await app.close();
  await platform.close(0);
  console.log(
    JSON.stringify({
      driver,
      runs: RUNS,
      requests: REQUESTS,
      seed_s: seedS,
      rollup_rebuild_s: rollupS,
      windows: results,
    }),
  );
} finally {
  await store.close();
  await dropDatabase();
}
