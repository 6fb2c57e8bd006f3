import { fetch as undiciFetch } from "undici";
import type { FieldError, SpecLimits } from "../../engine/index.js";
import { execute, summarize } from "../../engine/index.js";
import { type AddressPolicy, checkUrl, createGuardedAgent, resolveGuarded } from "../../net/ssrf/index.js";
import type { ExperimentRow, ExperimentStepRow, ExperimentsRepo } from "../../store/experiments-repo.js";
import type { RunsRepo } from "../../store/runs-repo.js";
import type { ScenariosRepo } from "../../store/scenarios-repo.js";
import type { ExperimentMetrics } from "../../telemetry/experiment-metrics.js";
import type { Logger } from "../../telemetry/logger.js";
import { type AutomationJobs, engineOutcomes } from "../runs/automation-job.js";
import { runOutcome } from "../runs/run-executor.js";
import type { TaskLeases } from "../task-leases.js";
import { experimentCsv, experimentMetadata } from "./experiment-export.js";
import { experimentQueries, ResourceProbe } from "./experiment-resources.js";
import {
  abortableSleep,
  type ExperimentOutcome,
  type ExperimentResult,
  type ReplicaScaler,
  type RunnerDeps,
  runExperiment,
  type StepMeasurements,
  type StepRecord,
} from "./experiment-runner.js";
import {
  type ExperimentSpec,
  needsScaling,
  normalizedSpec,
  parseExperimentSpec,
  planSteps,
  scalerRequired,
} from "./experiment-spec.js";
import { inlineTarget, type ResolvedTarget, stepSpecs } from "./experiment-steps.js";
import { PrometheusClient } from "./prometheus-client.js";

export type { ReplicaScaler };

export interface ExperimentServiceDeps {
  repo: ExperimentsRepo;
  runs: RunsRepo;
  scenarios: ScenariosRepo;
  /** Builds each step's job with the address guard (the platform's). */
  jobs: AutomationJobs;
  /** Where targets and Prometheus may be (the platform's SSRF policy). */
  policy: AddressPolicy;
  limits: SpecLimits;
  environment: Record<string, unknown>;
  logger: Logger;
  metrics: ExperimentMetrics;
  /**
   * Leases on experiments: with several processes on one store, a `running` experiment whose
   * process died (its lease ran out) is taken over by another. Without it, only an exclusive
   * process resumes running experiments.
   */
  leases?: TaskLeases | undefined;
  /**
   * The store-wide slot (kind `experiment_slot`): with several processes on one store, an
   * experiment starts only while its process holds it, so that two never load their targets at
   * once; the others stay `pending` until it is free. Without it, one at a time per process.
   */
  slot?: TaskLeases | undefined;
  /** Scales workloads between replica counts; without it, a spec with several is refused. */
  scaler?: ReplicaScaler | undefined;
  version: string;
}

/** Why an experiment was not created, as values (the API maps them to statuses). */
export type CreateResult =
  | { experiment: ExperimentRow }
  | { problem: "invalid" | "unknown_reference" | "blocked" | "too_large"; details: FieldError[] };

export type CancelResult =
  | { experiment: ExperimentRow }
  | { problem: "no_experiment" | "finished"; status?: string };

export interface ExperimentView {
  experiment: ExperimentRow;
  steps: StepRecord[];
}

interface Current {
  id: number;
  controller: AbortController;
  cancelled: boolean;
  /** Another process holds the lease now. */
  lost: boolean;
  /** Past waiting for the slot: loading its target. */
  running: boolean;
}

/** The slot's task id (one slot per store). */
const SLOT = 0;
/** How often a process waiting for the slot asks again (at most; a third of the lease if shorter). */
const SLOT_POLL_MS = 1000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A stored step in the runner's terms. */
function stepRecord(row: ExperimentStepRow): StepRecord {
  return {
    step: row.step,
    replicas: row.replicas,
    load: row.load,
    status: row.status,
    runId: row.runId,
    measurements: (row.measurements as StepMeasurements | null) ?? null,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/**
 * Load experiments in the background: accepted as pending, run one at a time in this process
 * and, with the slot, across every process on the store (two at once would each measure the
 * other's load), each step a real engine run stored as a run (source `experiment`). Cancellable; what a process left running is resumed by the next from its first step
 * not complete.
 */
export class ExperimentService {
  readonly #d: ExperimentServiceDeps;
  readonly #waiting: number[] = [];
  #current: Current | undefined;
  #done: Promise<void> = Promise.resolve();
  #closed = false;
  /** Running experiments this process may resume: left by its predecessor, or leases taken over. */
  readonly #resumable = new Set<number>();
  #scan: NodeJS.Timeout | undefined;

  constructor(deps: ExperimentServiceDeps) {
    this.#d = deps;
    deps.metrics.watchActive(() => this.active);
  }

  /** Experiments running in this process now (0 or 1; one waiting for the slot is not). */
  get active(): number {
    return this.#current?.running ? 1 : 0;
  }

  /**
   * Stores a validated spec as a pending experiment and queues it. Refuses what cannot run:
   * several replica counts without a scaler, an unknown scenario or one whose automation is
   * not HTTP or synthetic, a target or Prometheus the address policy refuses, steps with more
   * jobs than the caller's key may run.
   */
  async create(
    spec: ExperimentSpec,
    { apiKeyId = null, maxJobsPerRun }: { apiKeyId?: number | null; maxJobsPerRun?: number | undefined } = {},
  ): Promise<CreateResult> {
    if (needsScaling(spec) && !this.#d.scaler)
      return {
        problem: "invalid",
        details: [{ field: "replicas", rule: "kubernetes_context", message: scalerRequired("server") }],
      };
    const target = await this.#resolve(spec);
    if ("problem" in target) return target;
    const blocked = await this.#blocked(spec, target);
    if (blocked) return { problem: "blocked", details: [blocked] };
    if (maxJobsPerRun !== undefined) {
      const seconds = (spec.warmup + spec.step_duration) / 1000;
      const rate = Math.max(...spec.rates);
      const jobs = Math.ceil(rate * seconds);
      if (jobs > maxJobsPerRun) {
        const text = `the step at ${rate}/s runs ${jobs} jobs; this key may run ${maxJobsPerRun} per run`;
        return {
          problem: "too_large",
          details: [{ field: "rates", rule: "max_jobs_per_run", message: text }],
        };
      }
    }
    const experiment = await this.#d.repo.create({
      name: spec.name ?? defaultName(spec, target),
      spec: normalizedSpec(spec) as Record<string, unknown>,
      apiKeyId,
    });
    this.#enqueue(experiment.id);
    return { experiment };
  }

  async get(id: number): Promise<ExperimentView | undefined> {
    const experiment = await this.#d.repo.get(id);
    if (!experiment) return undefined;
    return { experiment, steps: (await this.#d.repo.steps(id)).map(stepRecord) };
  }

  list(page: Parameters<ExperimentsRepo["list"]>[0]) {
    return this.#d.repo.list(page);
  }

  /**
   * Cancels a pending experiment at once; stops a running one within a second (its engine run
   * is interrupted, the steps complete so far are kept and judged).
   */
  async cancel(id: number): Promise<CancelResult> {
    const experiment = await this.#d.repo.get(id);
    if (!experiment) return { problem: "no_experiment" };
    const current = this.#current;
    if (current?.id === id) {
      current.cancelled = true;
      current.controller.abort();
      await this.#done;
    } else if (experiment.status === "pending" || experiment.status === "running") {
      // Waiting here, or running in a process gone (or another one: it stops at its next step).
      if (await this.#d.repo.finish(id, "cancelled")) this.#d.metrics.recordEnd("cancelled");
      const at = this.#waiting.indexOf(id);
      if (at >= 0) this.#waiting.splice(at, 1);
    } else {
      return { problem: "finished", status: experiment.status };
    }
    return { experiment: (await this.#d.repo.get(id))! };
  }

  /**
   * At start: queues the experiments left pending or running. Only when this process is the
   * only one that runs them (`exclusive`: the embedded queue), as for runs: with several
   * processes a running experiment may be another's, and nothing tells them apart.
   */
  async resume({ exclusive }: { exclusive: boolean }): Promise<number> {
    const taken = await this.#takeOver(exclusive);
    // Other processes may die later: look for their experiments every half lease.
    if (!exclusive && this.#d.leases && !this.#scan)
      this.#scan = setInterval(
        () =>
          void this.#takeOver(false).catch((error) =>
            this.#d.logger.warn({ err: error }, "lease scan failed"),
          ),
        this.#d.leases.ttlMs / 2,
      ).unref();
    return taken;
  }

  /**
   * Pending experiments, and running ones left by a stopped process — every one when this
   * process is the only one (`exclusive`), else those whose lease this process could take.
   */
  async #takeOver(exclusive: boolean): Promise<number> {
    let taken = 0;
    for (const e of await this.#d.repo.unfinished()) {
      if (this.#closed || this.#current?.id === e.id || this.#waiting.includes(e.id)) continue;
      if (e.status === "running") {
        if (!exclusive && !(await this.#d.leases?.take(e.id))) continue;
        this.#resumable.add(e.id);
      }
      this.#enqueue(e.id);
      taken++;
    }
    return taken;
  }

  /** The CSV of an experiment's planned steps (undefined: no such experiment). */
  async csv(id: number): Promise<string | undefined> {
    const view = await this.get(id);
    if (!view) return undefined;
    const { experiment, steps } = view;
    const parsed = parseExperimentSpec(experiment.spec, this.#d.limits);
    const spec = parsed.success ? parsed.data : null;
    const ended = experiment.status !== "pending" && experiment.status !== "running";
    return experimentCsv(steps, { spec, ended });
  }

  /** The JSON metadata of an experiment (undefined: no such experiment). */
  async metadata(id: number): Promise<Record<string, unknown> | undefined> {
    const view = await this.get(id);
    if (!view) return undefined;
    const { experiment, steps } = view;
    const parsed = parseExperimentSpec(experiment.spec, this.#d.limits);
    const spec = parsed.success ? parsed.data : undefined;
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return experimentMetadata({
      experiment: {
        id: experiment.id,
        name: experiment.name,
        status: experiment.status,
        error: experiment.error,
        created_at: iso(experiment.createdAt),
        started_at: iso(experiment.startedAt),
        finished_at: iso(experiment.finishedAt),
      },
      spec: spec ? normalizedSpec(spec) : (experiment.spec as never),
      queries: spec?.prometheus
        ? experimentQueries(spec.prometheus.queries, spec.namespace, spec.workload)
        : null,
      result: (experiment.result as ExperimentResult | null) ?? null,
      steps,
      version: this.#d.version,
    });
  }

  /**
   * Stops: the running experiment's step is cut short and the experiment stays `running`, so
   * the next start resumes it (from that step). Waiting ones stay pending.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#scan) clearInterval(this.#scan);
    this.#waiting.length = 0;
    this.#current?.controller.abort();
    await this.#done;
  }

  #enqueue(id: number): void {
    if (this.#closed || this.#current?.id === id || this.#waiting.includes(id)) return;
    this.#waiting.push(id);
    this.#pump();
  }

  #pump(): void {
    if (this.#current || this.#closed) return;
    const id = this.#waiting.shift();
    if (id === undefined) return;
    const current = { id, controller: new AbortController(), cancelled: false, lost: false, running: false };
    this.#current = current;
    this.#done = this.#run(current)
      .catch((error) =>
        this.#d.logger.error({ err: error, experiment_id: id }, "experiment failed unexpectedly"),
      )
      .finally(() => {
        this.#current = undefined;
        this.#pump();
      });
  }

  async #run(current: Current): Promise<void> {
    const { repo, leases } = this.#d;
    const resume = this.#resumable.delete(current.id);
    // The lease first (a resumed experiment's was taken already), so that no other process sees
    // it running without one and takes it over.
    if (leases && !resume && !(await leases.take(current.id))) return;
    const lost = () => {
      current.lost = true;
      current.controller.abort();
    };
    const release = leases?.hold(current.id, lost);
    try {
      const freeSlot = await this.#takeSlot(current, lost);
      if (!freeSlot) {
        // Cancelled here while it waited (one cancelled elsewhere has its status already).
        if (current.cancelled) await this.#end(current.id, "cancelled", undefined, null);
        return;
      }
      try {
        const row = await repo.start(current.id, { resume });
        if (row) {
          current.running = true;
          await this.#work(current, row);
        }
      } finally {
        await freeSlot();
      }
    } finally {
      await release?.();
    }
  }

  /**
   * Waits until this process holds the store's experiment slot (polled: the holder may be
   * another process), then holds it; undefined when the wait ended first — the experiment was
   * cancelled or ended elsewhere, or this process stops. Without a slot, at once.
   */
  async #takeSlot(current: Current, onLost: () => void): Promise<(() => Promise<void>) | undefined> {
    const { slot, repo, logger } = this.#d;
    if (!slot) return async () => {};
    const signal = current.controller.signal;
    let told = false;
    while (!signal.aborted) {
      if (await slot.take(SLOT)) return slot.hold(SLOT, onLost);
      const now = await repo.get(current.id);
      if (now?.status !== "pending" && now?.status !== "running") return undefined;
      if (!told) {
        logger.info({ experiment_id: current.id }, "experiment waits: another one is running on this store");
        told = true;
      }
      await abortableSleep(Math.min(SLOT_POLL_MS, slot.ttlMs / 3), signal);
    }
    return undefined;
  }

  async #work(current: Current, row: ExperimentRow): Promise<void> {
    const { repo, logger, metrics } = this.#d;
    const log = logger.child({ experiment_id: current.id });
    const parsed = parseExperimentSpec(row.spec, this.#d.limits);
    if (!parsed.success) {
      await this.#end(
        current.id,
        "failed",
        undefined,
        `the stored spec is no longer valid: ${parsed.error.message}`,
      );
      return;
    }
    const spec = parsed.data;
    if (needsScaling(spec) && !this.#d.scaler) {
      await this.#end(current.id, "interrupted", undefined, scalerRequired("server"));
      return;
    }
    const target = await this.#resolve(spec);
    if ("problem" in target) {
      await this.#end(current.id, "failed", undefined, target.details[0]?.message ?? "the target is gone");
      return;
    }
    const previous = (await repo.steps(current.id)).map(stepRecord);
    const signal = current.controller.signal;
    const agent = spec.prometheus ? createGuardedAgent(this.#d.policy) : undefined;
    try {
      log.info({ steps: planSteps(spec).length, resumed: previous.length > 0 }, "experiment started");
      const deps: RunnerDeps = {
        runStep: this.#storedSteps(row, target),
        scaler: this.#d.scaler,
        resources: spec.prometheus && agent ? this.#probe(spec, agent, signal) : undefined,
        sink: {
          stepStarted: async (step, startedAt) => {
            // Cancelled while running here or elsewhere (another process's cancel writes the status).
            const now = await repo.get(current.id);
            if (now?.status !== "running") {
              current.cancelled = true;
              current.controller.abort();
            }
            await repo.stepStarted(current.id, {
              step: step.step,
              replicas: step.replicas,
              load: step.rate,
              startedAt,
            });
          },
          stepFinished: async (record, result) => {
            await repo.stepFinished(current.id, record.step, {
              status: record.status === "complete" ? "complete" : "failed",
              runId: record.runId,
              measurements: record.measurements as unknown as Record<string, unknown> | null,
              finishedAt: record.finishedAt ?? new Date(),
            });
            await repo.setResult(current.id, result as unknown as Record<string, unknown>);
            metrics.recordStep(record.status === "complete" ? "complete" : "failed");
          },
        },
      };
      const outcome = await runExperiment(spec, previous, deps, signal);
      await this.#finish(current, outcome);
      log.info({ status: outcome.status, capacity: outcome.result.capacity_per_replica }, "experiment ended");
    } catch (error) {
      // A fault of Aurea's or of the store, not of the target: say so on the experiment if possible.
      log.error({ err: error }, "experiment failed");
      await this.#end(current.id, "failed", undefined, `internal error: ${message(error)}`).catch(() => {});
    } finally {
      await agent?.close();
    }
  }

  async #finish(current: Current, outcome: ExperimentOutcome): Promise<void> {
    // Another process took the experiment over (this one could not renew its lease): it writes.
    if (current.lost) return;
    const result = outcome.result as unknown as Record<string, unknown>;
    if (outcome.status === "cancelled" && !current.cancelled) {
      // A shutdown: left running, resumed at the next start.
      await this.#d.repo.setResult(current.id, result);
      return;
    }
    await this.#end(current.id, outcome.status, result, outcome.error);
  }

  async #end(
    id: number,
    status: "complete" | "failed" | "cancelled" | "interrupted",
    result: Record<string, unknown> | undefined,
    error: string | null,
  ): Promise<void> {
    if (await this.#d.repo.finish(id, status, { result, error })) this.#d.metrics.recordEnd(status);
  }

  /** Each step run by the engine in this process, with the address guard, and stored as a completed run. */
  #storedSteps(row: ExperimentRow, target: ResolvedTarget): RunnerDeps["runStep"] {
    const { jobs, runs, limits, environment } = this.#d;
    return async (step, load, signal) => {
      const { snapshot: runSpec, spec } = stepSpecs(target, load, limits);
      const built = await jobs.build(runSpec, spec);
      let snapshot: Awaited<ReturnType<typeof execute>>;
      try {
        snapshot = await execute(spec, built.job, { signal, mergeable: true });
      } finally {
        await built.close();
      }
      // A step cut short is measured again; its partial run is not kept.
      if (snapshot.cancelled) return { snapshot, runId: null };
      const result = summarize(snapshot, {
        cost: spec.cost,
        thresholds: spec.thresholds,
        extraCost: built.extraCost(),
      });
      const run = await runs.createFinished(
        {
          scenarioId: null,
          automationId: target.automation.id,
          scenarioName: `experiment ${row.id} step ${step.step}: ${step.rate}/s × ${step.replicas}`,
          automationName: target.automation.name,
          source: "experiment",
          scheduleId: null,
          spec: runSpec as unknown as Record<string, unknown>,
          environment: { ...environment, experiment_id: row.id, experiment_step: step.step },
          apiKeyId: row.apiKeyId,
        },
        runOutcome(result, engineOutcomes(result), built.sample()),
        new Date(result.started_at),
        new Date(result.ended_at),
      );
      return { snapshot, runId: run.id };
    };
  }

  /** Prometheus through the address guard; its requests and retries end at once on cancel. */
  #probe(
    spec: ExperimentSpec,
    agent: ReturnType<typeof createGuardedAgent>,
    signal: AbortSignal,
  ): ResourceProbe {
    const prometheus = spec.prometheus!;
    const guardedFetch = ((url: string, init: RequestInit = {}) => {
      const signals = [signal, ...(init.signal ? [init.signal] : [])];
      return undiciFetch(url, { ...(init as object), signal: AbortSignal.any(signals), dispatcher: agent });
    }) as unknown as typeof fetch;
    const client = new PrometheusClient(prometheus.url, {
      fetch: guardedFetch,
      sleep: (ms) => abortableSleep(ms, signal),
    });
    return new ResourceProbe(client, experimentQueries(prometheus.queries, spec.namespace, spec.workload), {
      resolutionMs: prometheus.resolution,
      rateWindowMs: prometheus.rate_window,
    });
  }

  /** The automation the steps run: the inline target, or the scenario's (HTTP or synthetic). */
  async #resolve(spec: ExperimentSpec): Promise<ResolvedTarget | Extract<CreateResult, { problem: string }>> {
    if (spec.target.kind === "http") return inlineTarget(spec.target);
    const id = spec.target.scenario_id;
    const found = (await this.#d.scenarios.getWithAutomation([id])).get(id);
    if (!found) {
      const text = `no scenario with id ${id}`;
      return {
        problem: "unknown_reference",
        details: [{ field: "target.scenario_id", rule: "exists", message: text }],
      };
    }
    const { scenario, automation } = found;
    if (automation.kind === "tinyfish") {
      const text = `scenario ${id} runs a TinyFish automation; experiments drive HTTP or synthetic automations`;
      return {
        problem: "invalid",
        details: [{ field: "target.scenario_id", rule: "automation_kind", message: text }],
      };
    }
    return {
      automation: {
        id: automation.id,
        name: automation.name,
        kind: automation.kind,
        config: automation.config,
      },
      inputs: scenario.inputs as ResolvedTarget["inputs"],
      cost: scenario.cost,
      seed: scenario.seed,
    };
  }

  /** The first address the policy refuses: the target's, then Prometheus'. */
  async #blocked(spec: ExperimentSpec, target: ResolvedTarget): Promise<FieldError | undefined> {
    const urls: [string, string][] = [];
    if (target.automation.kind === "http") {
      const field = spec.target.kind === "http" ? "target.url" : "target.scenario_id";
      urls.push([field, String(target.automation.config.url)]);
    }
    if (spec.prometheus) urls.push(["prometheus.url", spec.prometheus.url]);
    for (const [field, url] of urls) {
      try {
        const parsed = checkUrl(url, this.#d.policy);
        await resolveGuarded(parsed.hostname.replace(/^\[|\]$/g, ""), this.#d.policy);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const rule = code === "ssrf_blocked" ? "address_allowed" : "resolvable";
        return { field, rule, message: message(error) };
      }
    }
    return undefined;
  }
}

function defaultName(spec: ExperimentSpec, target: ResolvedTarget): string {
  const rates =
    spec.rates.length === 1
      ? `${spec.rates[0]}/s`
      : `${Math.min(...spec.rates)}–${Math.max(...spec.rates)}/s`;
  return `${target.automation.name} at ${rates}`;
}
