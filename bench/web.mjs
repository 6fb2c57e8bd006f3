// Child of `npm run bench` (section `web`): stores N finished runs (PGlite in memory, 20
// scenarios over 90 days, 5 with a pinned baseline), serves the API and the built dashboard on a
// free port, then loads the dashboard in Debian's Chromium (playwright-core), each load in a
// fresh browser profile (cold cache), and reads the browser's own timings: navigation timing,
// first contentful paint, and the `aurea:dashboard-rendered` mark the app sets once the KPIs,
// charts and recent runs are on screen. Prints one JSON line.
// Usage: node bench/web.mjs <runs> <loads per page>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { chromium } from "playwright-core";
import { buildApp } from "../dist/api/app.js";
import { loadWebBuild } from "../dist/api/web-build.js";
import { loadConfig } from "../dist/config/config.js";
import { encodeHistogram, seededRandom } from "../dist/engine/index.js";
import { latencyHistogram } from "../dist/engine/stats/histogram.js";
import { openPlatform } from "../dist/server/platform.js";
import { BenchmarkService } from "../dist/services/benchmark-service.js";
import { AutomationsRepo } from "../dist/store/automations-repo.js";
import { openStore } from "../dist/store/database.js";
import { rebuildRollups } from "../dist/store/rollups-repo.js";
import { ScenariosRepo } from "../dist/store/scenarios-repo.js";
import { createLogger } from "../dist/telemetry/logger.js";
import { createTelemetry } from "../dist/telemetry/registry.js";

const [runsArg = "10000", loadsArg = "5"] = process.argv.slice(2);
const RUNS = Number(runsArg);
const LOADS = Number(loadsArg);
const SCENARIOS = 20;
const DAYS = 90;
const MARK = "aurea:dashboard-rendered";
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const PAGES = {
  "/ (last 7 days, the default)": "/",
  "last 30 days": "/?window=30d",
  "all time": "/?window=all",
};

const web = await loadWebBuild();
if (!web) throw new Error("dist/web is missing: run npm run build first");
const store = await openStore({ dataDir: "memory://" });
let app;
let platform;
try {
  await store.migrate();
  const automation = await new AutomationsRepo(store.db).create({
    name: "synthetic",
    kind: "synthetic",
    config: { duration_ms: 20 },
  });
  const scenarios = new ScenariosRepo(store.db);
  for (let i = 1; i <= SCENARIOS; i++)
    await scenarios.create({
      name: `scenario-${i}`,
      automationId: automation.id,
      load: { model: "closed", jobs: 100 },
    });
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
  await store.db.execute(sql`
    insert into runs (scenario_id, automation_id, scenario_name, automation_name, source, status, spec,
      created_at, started_at, finished_at, duration_s, total_jobs, failed_jobs, success_rate, throughput,
      p50_ms, p95_ms, p99_ms, cost, thresholds_passed, passed, outcomes, histogram)
    select 1 + i % ${SCENARIOS}::int, ${automation.id}::int, 'scenario-' || (1 + i % ${SCENARIOS}::int),
      'synthetic', 'trigger',
      case when i % 23 = 0 then 'failed' when i % 31 = 0 then 'cancelled' else 'completed' end,
      '{}'::jsonb,
      now() - make_interval(secs => (i::double precision / ${RUNS}::int) * ${DAYS}::int * 86400),
      now(), now(), 1.5, 100, i % 7, 0.93, 66.7, 40, 120, 180, 0.0015,
      i % 5 <> 0, i % 23 <> 0 and i % 31 <> 0 and i % 5 <> 0, '{"succeeded": 93}'::jsonb,
      ${JSON.stringify(pool)}::jsonb ->> ((i::bigint * 7919) % ${pool.length}::int)::int
    from generate_series(0, ${RUNS - 1}::int) as i`);
  await rebuildRollups(store.db);
  // Baselines for 5 scenarios: the dashboard compares each one's latest run with its baseline.
  for (let s = 1; s <= 5; s++) {
    const { rows } = await store.db.execute(
      sql`select id from runs where scenario_id = ${s} and status = 'completed' order by id desc limit 1`,
    );
    await scenarios.setBaseline(s, Number(rows[0].id));
  }
  const seedS = (performance.now() - seedStart) / 1000;

  const config = loadConfig({ LOG_LEVEL: "silent", AUREA_DATA_DIR: "/tmp/aurea-bench-web", PORT: "0" });
  const telemetry = createTelemetry({ version: "bench" });
  const logger = createLogger({ level: "silent" });
  platform = await openPlatform({ config, telemetry, logger, store });
  app = await buildApp({
    config,
    telemetry,
    logger,
    benchmarks: new BenchmarkService({ metrics: telemetry.benchmark }),
    platform,
    version: "bench",
    web,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${app.server.address().port}`;

  /** One cold load of `path`: a fresh profile, then the page's own timings. */
  async function load(path) {
    const profile = mkdtempSync(join(tmpdir(), "aurea-bench-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1366, height: 900 },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${base}${path}`);
      // Functions, not strings: the page's Content-Security-Policy forbids evaluating strings.
      await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MARK, {
        timeout: 30_000,
      });
      return await page.evaluate(`(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const fcp = performance.getEntriesByName("first-contentful-paint")[0];
        const api = performance.getEntriesByType("resource").find((r) => r.name.includes("/kpis/dashboard"));
        return {
          rendered_ms: performance.getEntriesByName(${JSON.stringify(MARK)})[0].startTime,
          ttfb_ms: nav.responseStart,
          dom_content_loaded_ms: nav.domContentLoadedEventEnd,
          load_ms: nav.loadEventEnd,
          fcp_ms: fcp ? fcp.startTime : null,
          kpi_request_ms: api ? api.responseEnd - api.startTime : null,
          transferred_bytes: performance.getEntriesByType("resource").reduce((s, r) => s + r.transferSize, nav.transferSize),
          total_runs: Number(document.querySelector(".kpi .kpi-value")?.textContent?.replaceAll(",", "")),
        };
      })()`);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }

  // One warm-up load (the server's first KPI query and Chromium's first start), not counted.
  await load("/");
  const results = {};
  for (const [label, path] of Object.entries(PAGES)) {
    results[label] = [];
    for (let i = 0; i < LOADS; i++) {
      const timing = await load(path);
      results[label].push(timing);
      process.stderr.write(`  ${label}: rendered at ${timing.rendered_ms.toFixed(0)} ms\n`);
    }
  }
  console.log(JSON.stringify({ runs: RUNS, loads: LOADS, seed_s: seedS, pages: results }));
} finally {
  await app?.close();
  await platform?.close(0);
  await store.close();
}
