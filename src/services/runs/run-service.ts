import { parseDuration } from "../../engine/index.js";
import type { JobQueue, QueuedRun } from "../../queue/index.js";
import type { AutomationsRepo } from "../../store/automations-repo.js";
import { Batcher } from "../../store/batcher.js";
import type { RunRow, RunsRepo } from "../../store/runs-repo.js";
import type { ScenariosRepo, ScenarioWithAutomation } from "../../store/scenarios-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import type { RunMetrics } from "../../telemetry/run-metrics.js";
import type { RunEvents } from "./run-events.js";
import type { RunExecutor } from "./run-executor.js";

/** Why a trigger or cancel could not be done, as values (the API maps them to statuses). */
export type TriggerResult =
  | { run: RunRow }
  | { problem: "no_scenario" }
  /** The key has `limit` runs pending or running already. */
  | { problem: "too_many_runs"; limit: number }
  /** The scenario's runs have more jobs than the key may run at once. */
  | { problem: "run_too_large"; jobs: number; limit: number };

/** A key's limits on what it triggers (the key's own, else the server's defaults). */
export interface TriggerLimits {
  keyId: number;
  maxConcurrentRuns: number;
  maxJobsPerRun: number;
}
export type CancelResult = { run: RunRow } | { problem: "no_run" | "finished"; run?: RunRow };

export interface RunServiceDeps {
  runs: RunsRepo;
  scenarios: ScenariosRepo;
  automations: AutomationsRepo;
  queue: JobQueue;
  executor: RunExecutor;
  events: RunEvents;
  environment: Record<string, unknown>;
  logger: Logger;
  /** Counts runs cancelled before they started, and runs the supervisor recovered. */
  metrics?: RunMetrics;
  /** Trigger writes in flight at once (1 on PGlite, which runs one statement at a time). */
  triggerWriters?: number;
}

type RunSource = "trigger" | "schedule";
interface TriggerRequest {
  scenarioId: number;
  source: RunSource;
  scheduleId: number | null;
  limits: TriggerLimits | undefined;
}

/** Most triggers one statement records. */
const TRIGGER_BATCH_MAX = 64;

/** Triggers, cancels and recovers runs; execution itself is the queue's and the executor's. */
export class RunService {
  readonly #d: RunServiceDeps;
  readonly #triggers: Batcher<TriggerRequest, TriggerResult>;

  constructor(deps: RunServiceDeps) {
    this.#d = deps;
    this.#triggers = new Batcher((requests) => this.#triggerMany(requests), {
      maxInFlight: deps.triggerWriters ?? 1,
      // One statement records a batch whatever its size; a cap keeps each batch's wait short.
      maxBatch: TRIGGER_BATCH_MAX,
    });
  }

  /**
   * Records a pending run of scenario `scenarioId` (a snapshot of what to execute) and queues
   * it. Triggers that arrive together are stored together: one statement per batch, not per
   * run (two when a key's limits need the scenario first).
   */
  trigger(
    scenarioId: number,
    {
      source = "trigger",
      scheduleId = null,
      limits,
    }: { source?: RunSource; scheduleId?: number | null; limits?: TriggerLimits | undefined } = {},
  ): Promise<TriggerResult> {
    return this.#triggers.add({ scenarioId, source, scheduleId, limits });
  }

  async #triggerMany(requests: TriggerRequest[]): Promise<TriggerResult[]> {
    // A key's limits need the scenario (the jobs its runs plan) before anything is recorded;
    // without limits the insert alone says whether the scenario exists.
    const found = requests.some((r) => r.limits)
      ? await this.#d.scenarios.getWithAutomation(requests.map((r) => r.scenarioId))
      : undefined;
    const refused = found ? await this.#overLimits(requests, found) : [];
    const stored = requests.filter((r, i) => !refused[i] && (!found || found.has(r.scenarioId)));
    const rows = await this.#d.runs.trigger(
      stored.map((r) => ({
        scenarioId: r.scenarioId,
        source: r.source,
        scheduleId: r.scheduleId,
        apiKeyId: r.limits?.keyId ?? null,
      })),
      this.#d.environment,
    );
    const recorded = new Map(stored.map((r, i) => [r, rows[i]]));
    // The runs are stored as pending before they are queued: if the process dies now, or the
    // queue cannot take them, the supervisor queues them again.
    await this.#enqueue(
      rows.filter((run) => run !== undefined).map((run) => ({ runId: run.id, attempt: run.attempts })),
    );
    return requests.map((r, i) => {
      const run = recorded.get(r);
      return refused[i] ?? (run ? { run } : { problem: "no_scenario" });
    });
  }

  /** Per request, the limit of its key it would break (runs at once, jobs per run), if any. */
  async #overLimits(
    requests: TriggerRequest[],
    found: Map<number, ScenarioWithAutomation>,
  ): Promise<(TriggerResult | undefined)[]> {
    const active = new Map<number, number>();
    const refused: (TriggerResult | undefined)[] = [];
    for (const r of requests) {
      const limits = r.limits;
      const scenario = found.get(r.scenarioId)?.scenario;
      if (!limits || !scenario) {
        refused.push(undefined);
        continue;
      }
      const jobs = plannedJobs(scenario.load);
      if (jobs !== undefined && jobs > limits.maxJobsPerRun) {
        refused.push({ problem: "run_too_large", jobs, limit: limits.maxJobsPerRun });
        continue;
      }
      const count = active.get(limits.keyId) ?? (await this.#d.runs.activeOfKey(limits.keyId));
      if (count >= limits.maxConcurrentRuns) {
        refused.push({ problem: "too_many_runs", limit: limits.maxConcurrentRuns });
        active.set(limits.keyId, count);
        continue;
      }
      active.set(limits.keyId, count + 1);
      refused.push(undefined);
    }
    return refused;
  }

  /** Cancels a pending run at once; asks a running one to stop (it records what it measured). */
  async cancel(id: number): Promise<CancelResult> {
    const run = await this.#d.runs.get(id);
    if (!run) return { problem: "no_run" };
    if (run.status === "pending") {
      if (await this.#d.runs.end(id, "cancelled", "cancelled")) {
        this.#d.events.publish(id, { type: "finished", status: "cancelled", reason: "cancelled" });
        const kind = (run.spec as { automation?: { kind?: string } }).automation?.kind ?? "unknown";
        this.#d.metrics?.recordEnd({
          scenario: run.scenarioName,
          status: "cancelled",
          outcome: "cancelled",
          kind,
        });
      }
    } else if (run.status === "running") {
      await this.#d.runs.requestCancel(id);
      this.#d.executor.cancelLocal(id);
    } else {
      return { problem: "finished", run };
    }
    return { run: (await this.#d.runs.get(id))! };
  }

  /** The baseline pinned on the run's scenario, if any. */
  async pinnedBaseline(run: RunRow): Promise<number | undefined> {
    if (run.scenarioId === null) return undefined;
    return (await this.#d.scenarios.get(run.scenarioId))?.baselineRunId ?? undefined;
  }

  /**
   * At start. When this process is the only executor (`exclusive`: the embedded queue), every
   * run left `running` lost its executor with the previous process: it is failed as
   * `interrupted`, or queued again when its scenario says `rerun`. Every pending run is queued.
   */
  async recover({ exclusive }: { exclusive: boolean }): Promise<{
    requeued: number;
    failed: number;
    cancelled: number;
    queued: number;
  }> {
    const recovered = exclusive
      ? await this.#d.runs.recoverInterrupted()
      : { requeued: [], failed: 0, cancelled: 0 };
    this.#d.metrics?.recordRecovered(recovered.requeued.length, recovered.failed, recovered.cancelled);
    const pending = await this.#d.runs.pending();
    await this.#enqueue(pending.map((r) => ({ runId: r.id, attempt: r.attempts })));
    return { ...recovered, requeued: recovered.requeued.length, queued: pending.length };
  }

  /**
   * Every few seconds, in every process: runs whose executor stopped renewing its lease for
   * `leaseMs` (a killed worker) are re-run or failed as `interrupted`, per their scenario; runs
   * pending for longer than `sweepAfterMs` are queued again, in case the queue lost them (a
   * Redis restart, a trigger accepted while Redis was down). Queueing a queued run is a no-op.
   * In a new database, also gathers the first statistics on runs (RunsRepo.analyzeIfNew).
   */
  async supervise({ leaseMs, sweepAfterMs }: { leaseMs: number; sweepAfterMs: number }): Promise<{
    requeued: number;
    failed: number;
    cancelled: number;
    swept: number;
  }> {
    if (await this.#d.runs.analyzeIfNew()) this.#d.logger.info("gathered the first statistics on runs");
    const recovered = await this.#d.runs.recoverInterrupted({ staleForMs: leaseMs });
    this.#d.metrics?.recordRecovered(recovered.requeued.length, recovered.failed, recovered.cancelled);
    for (const { id } of recovered.requeued)
      this.#d.events.publish(id, { type: "status", status: "pending" });
    const pending = await this.#d.runs.pending({ olderThanMs: sweepAfterMs, limit: 1000 });
    const again = [...recovered.requeued, ...pending].map((r) => ({ runId: r.id, attempt: r.attempts }));
    await this.#enqueue(again);
    return { ...recovered, requeued: recovered.requeued.length, swept: pending.length };
  }

  /** Queues runs already stored as pending; a queue that cannot take them now is not an error. */
  async #enqueue(runs: QueuedRun[]): Promise<void> {
    if (runs.length === 0) return;
    try {
      await this.#d.queue.enqueue(runs);
    } catch (error) {
      this.#d.logger.warn(
        { err: error, runs: runs.length },
        "could not queue runs; they stay pending and are queued again later",
      );
    }
  }
}

/**
 * How many jobs a load profile runs, when it says: closed with `jobs`, open (`rate` × duration),
 * stages of arrival rates (the area under the ramp); undefined for loads bounded by time alone.
 */
export function plannedJobs(load: Record<string, unknown>): number | undefined {
  const seconds = (d: unknown) => {
    const ms = typeof d === "string" || typeof d === "number" ? parseDuration(d) : undefined;
    return ms === undefined ? undefined : ms / 1000;
  };
  if (load.model === "closed") return typeof load.jobs === "number" ? load.jobs : undefined;
  if (load.model === "open") {
    const duration = seconds(load.duration);
    return typeof load.rate === "number" && duration !== undefined
      ? Math.ceil(load.rate * duration)
      : undefined;
  }
  if (load.model === "stages" && load.target === "rate" && Array.isArray(load.stages)) {
    let total = 0;
    let from = typeof load.start === "number" ? load.start : 0;
    for (const stage of load.stages as { duration?: unknown; target?: unknown }[]) {
      const duration = seconds(stage.duration);
      if (duration === undefined || typeof stage.target !== "number") return undefined;
      total += ((from + stage.target) / 2) * duration;
      from = stage.target;
    }
    return Math.ceil(total);
  }
  return undefined;
}
