import type { JobQueue } from "../../queue/index.js";
import type { AutomationsRepo } from "../../store/automations-repo.js";
import { Batcher } from "../../store/batcher.js";
import type { NewRun, RunRow, RunsRepo } from "../../store/runs-repo.js";
import type { ScenariosRepo, ScenarioWithAutomation } from "../../store/scenarios-repo.js";
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
  /** Trigger writes in flight at once (1 on PGlite, which runs one statement at a time). */
  triggerWriters?: number;
}

type RunSource = "trigger" | "schedule";

/** Triggers, cancels and recovers runs; execution itself is the queue's and the executor's. */
export class RunService {
  readonly #d: RunServiceDeps;
  readonly #triggers: Batcher<{ scenarioId: number; source: RunSource }, TriggerResult>;

  constructor(deps: RunServiceDeps) {
    this.#d = deps;
    this.#triggers = new Batcher((requests) => this.#triggerMany(requests), {
      maxInFlight: deps.triggerWriters ?? 1,
    });
  }

  /**
   * Records a pending run of scenario `scenarioId` (a snapshot of what to execute) and queues
   * it. Triggers that arrive together are stored together: two statements per batch, not per run.
   */
  trigger(scenarioId: number, source: RunSource = "trigger"): Promise<TriggerResult> {
    return this.#triggers.add({ scenarioId, source });
  }

  async #triggerMany(requests: { scenarioId: number; source: RunSource }[]): Promise<TriggerResult[]> {
    const found = await this.#d.scenarios.getWithAutomation(requests.map((r) => r.scenarioId));
    const stored = requests.filter((r) => found.has(r.scenarioId));
    const rows = await this.#d.runs.createMany(
      stored.map((r) => this.#pendingRun(found.get(r.scenarioId)!, r.source)),
    );
    // The runs are stored as pending before they are queued: if the process dies now, recovery
    // queues them again.
    for (const run of rows) await this.#d.queue.enqueue(run.id);
    let next = 0;
    return requests.map((r) =>
      found.has(r.scenarioId) ? { run: rows[next++]! } : { problem: "no_scenario" },
    );
  }

  #pendingRun({ scenario, automation }: ScenarioWithAutomation, source: RunSource): NewRun {
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
    };
    return {
      scenarioId: scenario.id,
      automationId: automation.id,
      scenarioName: scenario.name,
      automationName: automation.name,
      source,
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
   * At start: runs a previous process left `running` are failed as `interrupted` (or queued
   * again when their scenario says `rerun`), and every pending run is queued.
   */
  async recover(): Promise<{ requeued: number; failed: number; cancelled: number; queued: number }> {
    const recovered = await this.#d.runs.recoverInterrupted();
    const pending = await this.#d.runs.pendingIds();
    for (const id of pending) await this.#d.queue.enqueue(id);
    return { ...recovered, queued: pending.length };
  }
}
