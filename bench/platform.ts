/**
 * The platform's targets: the KPI endpoint over many stored runs (PGlite with 100,000, PostgreSQL
 * with 1,000,000) and accepted triggers per second. Each measurement is a fresh `node` child on
 * the compiled code (kpis.mjs, triggers.mjs).
 */
import pg from "pg";
import { check, fixed, heading, int, log, runNodeBench, type SectionResult, skipped, table } from "./lib.js";

const POSTGRES_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface KpiWindow {
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  total_runs: number;
}
interface KpiResult {
  driver: string;
  runs: number;
  requests: number;
  seed_s: number;
  rollup_rebuild_s: number;
  windows: Record<string, KpiWindow>;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export const KPI_TARGETS = [
  "KPI p95 < 500 ms, PGlite, 100,000 runs",
  "KPI p95 < 100 ms, PostgreSQL, 1,000,000 runs",
];

export async function kpisSection(): Promise<SectionResult> {
  heading("5. KPI dashboard over stored runs (GET /api/v1/runs/kpis/dashboard)");
  log("runs seeded with SQL over 90 days and 20 scenarios (64 distinct latency histograms), rollups");
  log("rebuilt, then each window requested 3 times to warm up and 40 times measured through the app");
  const results: KpiResult[] = [];
  results.push(await runNodeBench<KpiResult>("kpis.mjs", ["pglite", "100000", "40"], { timeoutMs: 600_000 }));
  const pgUp = await postgresReachable();
  if (pgUp) {
    results.push(
      await runNodeBench<KpiResult>("kpis.mjs", ["postgres", "1000000", "40"], { timeoutMs: 1_200_000 }),
    );
  }
  const rows: string[][] = [["driver, runs, window", "stored runs in window", "p50 ms", "p95 ms", "max ms"]];
  for (const r of results) {
    log(
      `  ${r.driver}: ${int(r.runs)} runs seeded in ${fixed(r.seed_s, 1)} s, rollups rebuilt in ${fixed(r.rollup_rebuild_s, 1)} s`,
    );
    for (const [label, w] of Object.entries(r.windows)) {
      rows.push([
        `${r.driver} ${int(r.runs)}, ${label}`,
        int(w.total_runs),
        fixed(w.p50_ms, 1),
        fixed(w.p95_ms, 1),
        fixed(w.max_ms, 1),
      ]);
    }
  }
  log(table(rows));
  const worst = (r: KpiResult | undefined) =>
    r ? Math.max(...Object.values(r.windows).map((w) => w.p95_ms)) : Number.NaN;
  const pglite = results.find((r) => r.driver === "pglite");
  const postgres = results.find((r) => r.driver === "postgres");
  return {
    checks: [
      check("kpis", KPI_TARGETS[0]!, `${fixed(worst(pglite), 1)} ms (worst window)`, worst(pglite) < 500),
      postgres
        ? check(
            "kpis",
            KPI_TARGETS[1]!,
            `${fixed(worst(postgres), 1)} ms (worst window)`,
            worst(postgres) < 100,
          )
        : skipped("kpis", KPI_TARGETS[1]!, `no PostgreSQL at ${POSTGRES_URL}`),
    ],
    data: results,
  };
}

interface TriggerResult {
  driver: string;
  accepted: number;
  non_2xx: number;
  errors: number;
  triggers_per_s: number;
  latency_p99_ms: number;
  drain_s: number;
  stored_runs: number;
  completed_runs: number;
}

const TRIGGER_CONNECTIONS = 50;

export const TRIGGER_TARGETS = [
  "≥ 1,000 accepted triggers/s, none lost (PGlite)",
  "≥ 1,000 accepted triggers/s, none lost (PostgreSQL)",
];

export async function triggersSection(): Promise<SectionResult> {
  heading("6. Triggers: POST /api/v1/runs/trigger with autocannon (50 connections, 5 s)");
  log("a real `aurea serve` process; each trigger is a scenario of one 0 ms job, executed in the");
  log("background while the load goes on; afterwards every accepted trigger must be a completed run");
  const results: TriggerResult[] = [];
  results.push(await runNodeBench<TriggerResult>("triggers.mjs", ["pglite", "5"], { timeoutMs: 900_000 }));
  const pgUp = await postgresReachable();
  if (pgUp)
    results.push(
      await runNodeBench<TriggerResult>("triggers.mjs", ["postgres", "5"], { timeoutMs: 900_000 }),
    );
  log(
    table([
      ["driver", "accepted", "triggers/s", "p99 ms", "non-2xx", "errors", "stored", "completed", "drain s"],
      ...results.map((r) => [
        r.driver,
        int(r.accepted),
        int(r.triggers_per_s),
        fixed(r.latency_p99_ms, 0),
        int(r.non_2xx),
        int(r.errors),
        int(r.stored_runs),
        int(r.completed_runs),
        fixed(r.drain_s, 1),
      ]),
    ]),
  );
  const verdict = (r: TriggerResult | undefined, target: string) =>
    r
      ? check(
          "triggers",
          target,
          `${int(r.triggers_per_s)}/s; ${int(r.accepted)} accepted, ${int(r.completed_runs)} completed`,
          // Lost: an accepted trigger without a completed run. autocannon drops the requests in
          // flight when its time is up (at most one per connection): those may be stored too.
          r.triggers_per_s >= 1000 &&
            r.completed_runs === r.stored_runs &&
            r.stored_runs >= r.accepted &&
            r.stored_runs - r.accepted <= TRIGGER_CONNECTIONS,
        )
      : skipped("triggers", target, `no PostgreSQL at ${POSTGRES_URL}`);
  return {
    checks: [
      verdict(
        results.find((r) => r.driver === "pglite"),
        TRIGGER_TARGETS[0]!,
      ),
      verdict(
        results.find((r) => r.driver === "postgres"),
        TRIGGER_TARGETS[1]!,
      ),
    ],
    data: results,
  };
}
