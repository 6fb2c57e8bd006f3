import {
  type Clock,
  compareRuns,
  execute,
  linkSignals,
  type RunResult,
  type SpecLimits,
  summarize,
  systemClock,
  timelinePoint,
  type WorkloadSpec,
} from "../../engine/index.js";
import { Batcher } from "../../store/batcher.js";
import type { ClaimedRun, RunOutcome, RunsRepo } from "../../store/runs-repo.js";
import type { BenchmarkMetrics } from "../../telemetry/benchmark-metrics.js";
import { type Logger, lazyChild } from "../../telemetry/logger.js";
import type { RunMetrics } from "../../telemetry/run-metrics.js";
import type { AutomationJobs } from "./automation-job.js";
import { comparableRun, isComparable } from "./comparable-run.js";
import type { RunEvents } from "./run-events.js";
import { keepLease } from "./run-lease.js";
import { RunSpecCache } from "./run-spec-cache.js";
import type { ShardExecutor } from "./shard-executor.js";

export interface RunExecutorDeps {
  runs: RunsRepo;
  events: RunEvents;
  metrics: BenchmarkMetrics;
  /** Counts each run's end, per scenario (absent: not counted). */
  runMetrics?: RunMetrics;
  logger: Logger;
  jobs: AutomationJobs;
  limits: SpecLimits;
  /** Coordinates sharded runs (without it a sharded run executes whole here). */
  sharded?: ShardExecutor;
  clock?: Clock;
}

/** Executes one stored run: claims it, runs the engine, records the result. */
export class RunExecutor {
  readonly #deps: RunExecutorDeps;
  /** Runs executing in this process, to cancel them without waiting for the poll. */
  readonly #local = new Map<number, AbortController>();
  /** Runs starting or finishing together share one statement (see Batcher). */
  readonly #claims: Batcher<number, ClaimedRun | undefined>;
  readonly #completions: Batcher<{ id: number; attempt: number; outcome: RunOutcome }, boolean>;
  readonly #specs: RunSpecCache;

  constructor(deps: RunExecutorDeps) {
    this.#deps = deps;
    this.#specs = new RunSpecCache(deps.limits);
    this.#claims = new Batcher(async (ids) => {
      const claimed = new Map((await deps.runs.claimMany(ids)).map((run) => [run.id, run]));
      // A run asked for twice in one batch is claimed once: only the first asker gets it.
      return ids.map((id) => {
        const run = claimed.get(id);
        claimed.delete(id);
        return run;
      });
    });
    this.#completions = new Batcher(async (items) => {
      const done = await deps.runs.completeMany(items);
      return items.map((item) => done.has(item.id));
    });
  }

  /** Cancels run `id` if this process executes it; true when it did. */
  cancelLocal(id: number): boolean {
    const controller = this.#local.get(id);
    controller?.abort();
    return controller !== undefined;
  }

  /**
   * Executes run `runId` unless another executor has it or it is no longer pending. `shutdown`
   * aborts when the process stops: the run is then recorded as failed, reason `interrupted`,
   * with what it measured so far.
   */
  async execute(runId: number, shutdown: AbortSignal): Promise<void> {
    const { runs, events, logger } = this.#deps;
    const run = await this.#claims.add(runId);
    if (!run) return;
    // The attempt this executor holds: every later write is fenced by it.
    const attempt = run.attempts;
    const log = lazyChild(logger, { run_id: runId, attempt });
    events.publish(runId, { type: "status", status: "running" });
    const cancel = new AbortController();
    // The lease was lost (the run was reaped as orphaned, or finished elsewhere): stop quietly.
    const lost = new AbortController();
    this.#local.set(runId, cancel);
    const { signal: abort, unlink } = linkSignals([cancel.signal, shutdown, lost.signal]);
    const stopLease = keepLease(runs, runId, attempt, {
      onCancel: () => cancel.abort(),
      onLost: () => lost.abort(),
    });
    let kind = "unknown";
    let measured: { result: RunResult; outcomes: Record<string, number> } | undefined;
    // The run's end was recorded (by this executor): tell the watchers, count it.
    const finish = (
      status: "completed" | "failed" | "cancelled",
      reason: string | null,
      outcome?: string,
    ) => {
      events.publish(runId, { type: "finished", status, reason });
      this.#deps.runMetrics?.recordEnd({
        scenario: run.scenarioName,
        status,
        outcome: outcome ?? reason ?? status,
        kind,
        ...measured,
      });
    };
    try {
      const { snapshot, spec } = this.#specs.parse(run.spec);
      kind = snapshot.automation.kind;
      let result: RunResult;
      let outcomes: Record<string, number>;
      let sample: unknown;
      let shardFailure: string | undefined;
      if (snapshot.shards > 1 && this.#deps.sharded) {
        const merged = await this.#deps.sharded.coordinate(runId, attempt, spec, snapshot.shards, abort);
        ({ result, outcomes, sample } = merged);
        shardFailure = snapshot.allow_partial ? undefined : merged.failure;
      } else {
        const built = await this.#deps.jobs.build(snapshot, spec);
        try {
          result = await this.#measure(runId, spec, built.job, abort, built.extraCost);
        } finally {
          await built.close();
        }
        outcomes = built.outcomes(result);
        sample = built.sample();
      }
      const outcome = runOutcome(result, outcomes, sample);
      measured = { result, outcomes };
      if (lost.signal.aborted) {
        log.warn("run was taken over after this executor lost its lease; its result is discarded");
        return;
      }
      this.#deps.metrics.recordRun(result);
      let recorded: boolean;
      if (cancel.signal.aborted) {
        recorded = await runs.end(runId, "cancelled", "cancelled", { outcome, attempt });
        if (recorded) finish("cancelled", "cancelled");
      } else if (shardFailure !== undefined) {
        recorded = await runs.end(runId, "failed", "shard_failed", { error: shardFailure, outcome, attempt });
        if (recorded) finish("failed", "shard_failed");
      } else if (shutdown.aborted) {
        const error = "the server shut down during the run";
        recorded = await runs.end(runId, "failed", "interrupted", { error, outcome, attempt });
        if (recorded) finish("failed", "interrupted");
      } else {
        recorded = await this.#completions.add({ id: runId, attempt, outcome });
        if (recorded) {
          finish("completed", null, completedOutcome(outcome));
          if (snapshot.baseline_run_id !== null)
            await this.#checkRegression(run.scenarioName, outcome, snapshot.baseline_run_id, log);
        }
      }
      if (recorded)
        log.info({ status: "finished", jobs: result.counts.total, passed: outcome.passed }, "run finished");
      else log.warn("run was taken over before it finished here; its result is discarded");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A refused target is the user's configuration, not a fault of Aurea's: say so.
      const code = (error as { code?: unknown }).code;
      const reason = code === "ssrf_blocked" || code === "shard_failed" ? code : "error";
      log.warn({ err: error, reason }, "run failed");
      if (await runs.end(runId, "failed", reason, { error: message.slice(0, 2000), attempt }))
        finish("failed", reason);
    } finally {
      stopLease();
      unlink();
      this.#local.delete(runId);
    }
  }

  /** Counts a regression when the completed run compares so against its scenario's baseline. */
  async #checkRegression(
    scenario: string | null,
    outcome: RunOutcome,
    baselineId: number,
    log: Logger,
  ): Promise<void> {
    try {
      const baseline = await this.#deps.runs.get(baselineId);
      if (!baseline || !isComparable(baseline) || !isComparable(outcome)) return;
      if (compareRuns(comparableRun(outcome), comparableRun(baseline)).verdict === "regression")
        this.#deps.runMetrics?.recordRegression(scenario);
    } catch (error) {
      log.warn({ err: error }, "could not compare the run with its baseline");
    }
  }

  /** Runs executing in this process now. */
  get active(): number {
    return this.#local.size;
  }

  async #measure(
    runId: number,
    spec: WorkloadSpec,
    job: Parameters<typeof execute>[1],
    signal: AbortSignal,
    extraCost: () => number,
  ): Promise<RunResult> {
    const events = this.#deps.events;
    const snapshot = await execute(spec, job, {
      clock: this.#deps.clock ?? systemClock,
      signal,
      onProgress: (progress) => events.publish(runId, { type: "progress", progress }),
      onSecond: (bucket) => events.publish(runId, { type: "second", point: timelinePoint(bucket) }),
    });
    return summarize(snapshot, { cost: spec.cost, thresholds: spec.thresholds, extraCost: extraCost() });
  }
}

/** How a completed run is labelled in the metrics. */
function completedOutcome(outcome: RunOutcome & { passed: boolean }): string {
  if (outcome.passed) return "passed";
  return outcome.thresholdsPassed === false ? "thresholds_failed" : "jobs_failed";
}

/** The columns a finished run records. */
export function runOutcome(
  result: RunResult,
  outcomes: Record<string, number>,
  sample: unknown,
): RunOutcome & { passed: boolean } {
  const { histogram, timeline, records: _records, ...summary } = result;
  const total = result.counts.total;
  const passed =
    !result.cancelled &&
    result.thresholds_passed &&
    (result.thresholds.length > 0 || result.counts.failed === 0) &&
    total > 0;
  return {
    durationS: result.duration_s,
    totalJobs: total,
    failedJobs: result.counts.failed,
    successRate: total === 0 ? null : result.counts.completed / total,
    throughput: result.throughput,
    p50Ms: result.latency_ms.p50,
    p95Ms: result.latency_ms.p95,
    p99Ms: result.latency_ms.p99,
    cost: result.cost.total,
    thresholdsPassed: result.thresholds_passed,
    passed,
    outcomes,
    summary: summary as unknown as Record<string, unknown>,
    histogram,
    timeline,
    responseSample: sample ?? null,
  };
}
