import { describe, expect, it } from "vitest";
import { type PlatformApp, platformApps } from "../support/platform-app.js";

const platformApp = platformApps();

/** The value of one sample of the /metrics text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

async function scenario(
  t: PlatformApp,
  name: string,
  config: Record<string, unknown>,
  thresholds: string[] = [],
) {
  const automation = await t.request("POST", "/api/v1/automations", {
    name: `${name}-automation`,
    kind: "synthetic",
    config,
  });
  const created = await t.request("POST", "/api/v1/scenarios", {
    name,
    automation_id: automation.json().id,
    load: { model: "closed", jobs: 20, concurrency: 5 },
    thresholds,
  });
  expect(created.statusCode).toBe(201);
  return created.json().id as number;
}

async function runOf(t: PlatformApp, scenarioId: number) {
  const triggered = await t.request("POST", "/api/v1/runs/trigger", { scenario_id: scenarioId });
  expect(triggered.statusCode).toBe(202);
  return t.waitForRun(triggered.json().id);
}

const metrics = async (t: PlatformApp) => (await t.request("GET", "/metrics")).body;

describe("platform metrics", () => {
  it("count finished runs per scenario, status and outcome, with their jobs, cost, latency and automation calls", async () => {
    const t = await platformApp();
    const ok = await scenario(t, "fast", { duration_ms: 2 });
    const failing = await scenario(t, "strict", { duration_ms: 5 }, ["p95<1ms"]);
    const flaky = await scenario(t, "flaky", { duration_ms: 1, failure_rate: 1 });
    await runOf(t, ok);
    await runOf(t, ok);
    await runOf(t, failing);
    await runOf(t, flaky);
    const text = await metrics(t);
    const finished = (scenarioName: string, outcome: string) =>
      sample(text, "aurea_runs_finished_total", { scenario: scenarioName, status: "completed", outcome });
    expect(finished("fast", "passed")).toBe(2);
    expect(finished("strict", "thresholds_failed")).toBe(1);
    expect(finished("flaky", "jobs_failed")).toBe(1);
    expect(sample(text, "aurea_run_jobs_total", { scenario: "fast", result: "succeeded" })).toBe(40);
    expect(sample(text, "aurea_run_jobs_total", { scenario: "flaky", result: "failed" })).toBe(20);
    expect(sample(text, "aurea_run_duration_seconds_count", { scenario: "fast" })).toBe(2);
    expect(sample(text, "aurea_run_job_duration_seconds_count", { scenario: "strict" })).toBe(20);
    // 5 ms jobs: every one is in the 5 ms … 10 ms bucket or above, none at or under 2.5 ms.
    expect(sample(text, "aurea_run_job_duration_seconds_bucket", { scenario: "strict", le: "0.0025" })).toBe(
      0,
    );
    expect(sample(text, "aurea_run_job_duration_seconds_bucket", { scenario: "strict", le: "+Inf" })).toBe(
      20,
    );
    expect(sample(text, "aurea_run_cost_dollars_total", { scenario: "fast" })).toBeGreaterThan(0);
    expect(sample(text, "aurea_automation_calls_total", { kind: "synthetic", outcome: "succeeded" })).toBe(
      60,
    );
    expect(
      sample(text, "aurea_automation_calls_total", { kind: "synthetic", outcome: "synthetic_failure" }),
    ).toBe(20);
    expect(sample(text, "aurea_runs_active")).toBe(0);
    // The seed's metrics count platform runs too.
    expect(sample(text, "benchmark_runs_total")).toBe(4);
  });

  it("count a cancelled pending run and the runs the supervisor recovers", async () => {
    const t = await platformApp();
    const id = await scenario(t, "slow", { duration_ms: 200 });
    const triggered = await t.request("POST", "/api/v1/runs/trigger", { scenario_id: id });
    // Cancelled at once whether it was still pending or had started.
    await t.request("POST", `/api/v1/runs/${triggered.json().id}/cancel`);
    await t.waitForRun(triggered.json().id);
    const text = await metrics(t);
    expect(sample(text, "aurea_runs_finished_total", { scenario: "slow", status: "cancelled" })).toBe(1);
  });

  it("count a completed run that regresses against the scenario's pinned baseline", async () => {
    const t = await platformApp();
    const automation = await t.request("POST", "/api/v1/automations", {
      name: "a",
      kind: "synthetic",
      config: { duration_ms: 2 },
    });
    const created = await t.request("POST", "/api/v1/scenarios", {
      name: "pinned",
      automation_id: automation.json().id,
      load: { model: "closed", jobs: 30, concurrency: 5 },
    });
    const id = created.json().id as number;
    const baseline = await runOf(t, id);
    expect(
      (await t.request("PUT", `/api/v1/scenarios/${id}/baseline`, { run_id: baseline.id })).statusCode,
    ).toBe(200);
    // The same scenario, 20× slower jobs: a regression.
    const slower = await t.request("PUT", `/api/v1/automations/${automation.json().id}`, {
      name: "a",
      kind: "synthetic",
      config: { duration_ms: 40 },
    });
    expect(slower.statusCode).toBe(200);
    const regressed = await runOf(t, id);
    const compared = await t.request("GET", `/api/v1/runs/${regressed.id}/compare`);
    expect(compared.json().verdict).toBe("regression");
    expect(sample(await metrics(t), "aurea_run_regressions_total", { scenario: "pinned" })).toBe(1);
  });

  it("show each enabled schedule's interval and last success, and the database pool", async () => {
    const t = await platformApp({ env: { AUREA_MIN_SCHEDULE_INTERVAL_SECONDS: "1" } });
    const id = await scenario(t, "scheduled", { duration_ms: 1 });
    const schedule = await t.request("POST", "/api/v1/schedules", {
      scenario_id: id,
      interval_seconds: 3600,
    });
    expect(schedule.statusCode).toBe(201);
    const disabled = await t.request("POST", "/api/v1/schedules", {
      scenario_id: id,
      cron: "0 3 * * *",
      enabled: false,
    });
    expect(disabled.statusCode).toBe(201);
    const text = await metrics(t);
    const scheduleLabel = { schedule: String(schedule.json().id) };
    expect(sample(text, "aurea_schedule_interval_seconds", scheduleLabel)).toBe(3600);
    // Never succeeded yet: its creation time.
    const created = Date.parse(schedule.json().created_at) / 1000;
    expect(sample(text, "aurea_schedule_last_success_timestamp_seconds", scheduleLabel)).toBeCloseTo(
      created,
      0,
    );
    expect(
      sample(text, "aurea_schedule_interval_seconds", { schedule: String(disabled.json().id) }),
    ).toBeUndefined();
    expect(sample(text, "aurea_db_pool_connections", { state: "total" })).toBe(1);
  });
});
