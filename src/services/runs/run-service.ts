import type { JobQueue, QueuedRun } from "../../queue/index.js";
import type { AutomationsRepo } from "../../store/automations-repo.js";
import { Batcher } from "../../store/batcher.js";
import { CREATE_PREPARED_MAX, type NewRun, type RunRow, type RunsRepo } from "../../store/runs-repo.js";
import type { ScenariosRepo, ScenarioWithAutomation } from "../../store/scenarios-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import type { RunMetrics } from "../../telemetry/run-metrics.js";
import type { RunEvents } from "./run-events.js";
import type { RunExecutor } from "./run-executor.js";
import type { RunSpecSnapshot } from "./run-spec-snapshot.js";

/** Why a trigger or cancel could not be done, as values (the API maps them to statuses). */
export type TriggerResult = { run: RunRow } | { problem: "no_scenario" };
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
}

/** Triggers, cancels and recovers runs; execution itself is the queue's and the executor's. */
export class RunService {
  readonly #d: RunServiceDeps;
  readonly #triggers: Batcher<TriggerRequest, TriggerResult>;

  constructor(deps: RunServiceDeps) {
    this.#d = deps;
    this.#triggers = new Batcher((requests) => this.#triggerMany(requests), {
      maxInFlight: deps.triggerWriters ?? 1,
      // The largest insert the store has a prepared statement for.
      maxBatch: CREATE_PREPARED_MAX,
    });
  }

  /**
   * Records a pending run of scenario `scenarioId` (a snapshot of what to execute) and queues
   * it. Triggers that arrive together are stored together: two statements per batch, not per run.
   */
  trigger(
    scenarioId: number,
    { source = "trigger", scheduleId = null }: { source?: RunSource; scheduleId?: number | null } = {},
  ): Promise<TriggerResult> {
    return this.#triggers.add({ scenarioId, source, scheduleId });
  }

  async #triggerMany(requests: TriggerRequest[]): Promise<TriggerResult[]> {
    const found = await this.#d.scenarios.getWithAutomation(requests.map((r) => r.scenarioId));
    const stored = requests.filter((r) => found.has(r.scenarioId));
    const rows = await this.#d.runs.createMany(
      stored.map((r) => this.#pendingRun(found.get(r.scenarioId)!, r)),
    );
    // The runs are stored as pending before they are queued: if the process dies now, or the
    // queue cannot take them, the supervisor queues them again.
    await this.#enqueue(rows.map((run) => ({ runId: run.id, attempt: run.attempts })));
    let next = 0;
    return requests.map((r) =>
      found.has(r.scenarioId) ? { run: rows[next++]! } : { problem: "no_scenario" },
    );
  }

  #pendingRun(
    { scenario, automation }: ScenarioWithAutomation,
    { source, scheduleId }: TriggerRequest,
  ): NewRun {
    const spec: RunSpecSnapshot = {
      automation: {
        id: automation.id,
        name: automation.name,
        kind: automation.kind,
        config: automation.config,
      },
      inputs: scenario.inputs as RunSpecSnapshot["inputs"],
      load: scenario.load,
      thresholds: scenario.thresholds,
      cost: scenario.cost,
      assertion: scenario.assertion ?? null,
      shards: scenario.shards,
      allow_partial: scenario.allowPartial,
      seed: scenario.seed,
      baseline_run_id: scenario.baselineRunId,
    };
    return {
      scenarioId: scenario.id,
      automationId: automation.id,
      scenarioName: scenario.name,
      automationName: automation.name,
      source,
      scheduleId,
      spec,
      environment: this.#d.environment,
    };
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
   */
  async supervise({ leaseMs, sweepAfterMs }: { leaseMs: number; sweepAfterMs: number }): Promise<{
    requeued: number;
    failed: number;
    cancelled: number;
    swept: number;
  }> {
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
