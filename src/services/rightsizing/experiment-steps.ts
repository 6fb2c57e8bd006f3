import { httpConfig } from "../../contracts/automation.js";
import { execute, type SpecLimits, systemClock, type WorkloadSpec } from "../../engine/index.js";
import { createJob } from "../../runner/index.js";
import { buildEngineSpec } from "../runs/automation-job.js";
import type { RunSpecSnapshot } from "../runs/run-spec-snapshot.js";
import type { RunnerDeps, StepLoad } from "./experiment-runner.js";
import type { ExperimentTarget } from "./experiment-spec.js";

/** What every step of an experiment runs: an automation (a scenario's, or the inline HTTP target). */
export interface ResolvedTarget {
  automation: RunSpecSnapshot["automation"];
  inputs: RunSpecSnapshot["inputs"];
  cost: RunSpecSnapshot["cost"];
  seed: number | null;
}

/** An inline `{kind: "http", url, …}` target as the automation its steps run. */
export function inlineTarget(target: Extract<ExperimentTarget, { kind: "http" }>): ResolvedTarget {
  const { kind: _, ...config } = target;
  const url = new URL(target.url);
  return {
    automation: {
      id: null,
      name: `${target.method} ${url.host}${url.pathname}`,
      kind: "http",
      config: httpConfig.parse(config),
    },
    inputs: {},
    cost: {},
    seed: null,
  };
}

/** A step as a run's spec (what the stored run shows) and as the engine runs it. */
export function stepSpecs(
  target: ResolvedTarget,
  load: StepLoad,
  limits: SpecLimits,
): { snapshot: RunSpecSnapshot; spec: WorkloadSpec } {
  const snapshot: RunSpecSnapshot = {
    automation: target.automation,
    inputs: target.inputs,
    load: {
      model: "open",
      rate: load.rate,
      duration: `${load.durationMs}ms`,
      ...(load.maxInFlight !== undefined ? { max_in_flight: load.maxInFlight } : {}),
    },
    thresholds: [],
    cost: target.cost,
    assertion: null,
    shards: 1,
    allow_partial: false,
    seed: target.seed,
    baseline_run_id: null,
  };
  // Jobs still running this long after the step's load stopped are interrupted (failures).
  return { snapshot, spec: { ...buildEngineSpec(snapshot, limits), graceful_stop: load.gracefulStopMs } };
}

/**
 * Steps run in this process with the engine, stored nowhere (the CLI): the operator's own
 * command, so no address guard, as `aurea run`.
 */
export function localSteps(target: ResolvedTarget, limits: SpecLimits): RunnerDeps["runStep"] {
  return async (_step, load, signal) => {
    const { spec } = stepSpecs(target, load, limits);
    const job = createJob(spec, { clock: systemClock });
    try {
      return { snapshot: await execute(spec, job, { signal, mergeable: true }), runId: null };
    } finally {
      await job.close?.();
    }
  };
}
