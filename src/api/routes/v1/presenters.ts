import type { AutomationView } from "../../../contracts/automation.js";
import type { RunView } from "../../../contracts/run.js";
import type { ScenarioView } from "../../../contracts/scenario.js";
import type { AutomationRow } from "../../../store/automations-repo.js";
import type { RunListRow, RunRow } from "../../../store/runs-repo.js";
import type { ScenarioRow } from "../../../store/scenarios-repo.js";

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function presentAutomation(row: AutomationRow): AutomationView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    config: row.config,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentScenario(row: ScenarioRow): ScenarioView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    automation_id: row.automationId,
    inputs: row.inputs,
    load: row.load,
    thresholds: row.thresholds,
    cost: row.cost,
    assertion: row.assertion ?? null,
    tags: row.tags,
    on_interrupt: row.onInterrupt,
    shards: row.shards,
    allow_partial: row.allowPartial,
    seed: row.seed,
    baseline_run_id: row.baselineRunId ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A run for lists: figures, no histogram or timeline. */
export function presentRunSummary(row: RunListRow): RunView {
  return {
    id: row.id,
    scenario_id: row.scenarioId,
    automation_id: row.automationId,
    scenario_name: row.scenarioName,
    automation_name: row.automationName,
    source: row.source,
    schedule_id: row.scheduleId,
    status: row.status,
    reason: row.reason,
    error: row.error,
    attempts: row.attempts,
    created_at: row.createdAt.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    duration_s: row.durationS,
    total_jobs: row.totalJobs,
    failed_jobs: row.failedJobs,
    success_rate: row.successRate,
    throughput: row.throughput,
    latency_ms: { p50: row.p50Ms, p95: row.p95Ms, p99: row.p99Ms },
    cost: row.cost,
    thresholds_passed: row.thresholdsPassed,
    passed: row.passed,
    outcomes: row.outcomes ?? {},
  };
}

/** A run with everything it recorded. */
export function presentRun(row: RunRow): RunView {
  return {
    ...presentRunSummary(row),
    spec: row.spec,
    result: row.summary ?? null,
    histogram: row.histogram,
    timeline: row.timeline ?? [],
    response_sample: row.responseSample ?? null,
    environment: row.environment ?? null,
  };
}
