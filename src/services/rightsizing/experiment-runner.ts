import { INTERRUPTED, type RunSnapshot } from "../../engine/index.js";
import {
  type CapacityResult,
  deriveCapacity,
  evaluateSlo,
  type LinearFit,
  type SloVerdict,
  type StepLatency,
  type StepMeasurement,
} from "../../rightsizing/capacity.js";
import type { ResourceFigures, ResourceProbe } from "./experiment-resources.js";
import type { ExperimentSpec, PlannedStep } from "./experiment-spec.js";
import { planSteps } from "./experiment-spec.js";
import { measureWindow } from "./experiment-window.js";
import { PrometheusError } from "./prometheus-client.js";

/**
 * Scales a workload to a replica count and resolves once it runs that many ready replicas
 * (the Kubernetes client of `src/services/kubernetes/` satisfies it). Throws when it cannot.
 */
export interface ReplicaScaler {
  scale(namespace: string, workload: string, replicas: number): Promise<void>;
}

/** One step's load: the open model at `rate` for warm-up + step, as the engine runs it. */
export interface StepLoad {
  rate: number;
  durationMs: number;
  gracefulStopMs: number;
  maxInFlight: number | undefined;
}

/** What a step's engine run answered: its mergeable snapshot and the run it was stored as, if any. */
export interface StepExecution {
  snapshot: RunSnapshot;
  runId: number | null;
}

/** What is stored per step (`experiment_steps.measurements`) and reported by the API and CLI. */
export interface StepMeasurements {
  offered_rate: number;
  /** Jobs finished per second inside the window (all replicas). */
  throughput: number;
  throughput_per_replica: number;
  /** Jobs that ended after the warm-up (the drain included), and how many of them failed. */
  requests: number;
  failed: number;
  error_rate: number | null;
  /** Failure reasons over the whole run (warm-up included). */
  failures: Record<string, number>;
  latency_ms: StepLatency;
  window: { start: string; end: string };
  /** Per replica (the queries' busiest pod), from Prometheus; null without it. */
  cpu_cores: ResourceFigures | null;
  memory_bytes: ResourceFigures | null;
  slo: SloVerdict[];
  slo_passed: boolean;
  /** What was missing or went wrong in this step. */
  problems: string[];
  /** The step was cut short (cancelled or shut down); it is measured again on resume. */
  cancelled: boolean;
}

export interface StepRecord {
  step: number;
  replicas: number;
  /** Offered arrival rate, jobs/s. */
  load: number;
  status: "running" | "complete" | "failed";
  runId: number | null;
  measurements: StepMeasurements | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** The experiment's verdict (`experiments.result`), as the API and the CLI's JSON show it. */
export interface ExperimentResult {
  slo: string[];
  /** Jobs/s one replica serves within the SLO; the lowest over the replica counts measured. */
  capacity_per_replica: number | null;
  status: CapacityResult["status"];
  by_replicas: {
    replicas: number;
    status: CapacityResult["status"];
    capacity_per_replica: number | null;
    upper_bound: number | null;
    last_passing_step: number | null;
    first_failing_step: number | null;
    binding_slo: string | null;
    non_monotonic: boolean;
    scaling_efficiency: number | null;
  }[];
  /** cores per replica = intercept + slope × jobs/s per replica. */
  cpu_per_load: LinearFit | null;
  /** bytes per replica = intercept + slope × jobs/s per replica. */
  memory_per_load: LinearFit | null;
  steps_complete: number;
  steps_planned: number;
}

export interface ExperimentSink {
  stepStarted(step: PlannedStep, startedAt: Date): Promise<void>;
  /** A step ended (complete, or failed/cut short); `result` is the verdict over the complete steps. */
  stepFinished(record: StepRecord, result: ExperimentResult): Promise<void>;
}

export interface RunnerDeps {
  runStep(step: PlannedStep, load: StepLoad, signal: AbortSignal): Promise<StepExecution>;
  sink: ExperimentSink;
  resources?: ResourceProbe | undefined;
  scaler?: ReplicaScaler | undefined;
  /** Waits (resolves early when `signal` aborts). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ExperimentOutcome {
  /** `cancelled`: the signal aborted (a cancel or a shutdown: the caller knows which). */
  status: "complete" | "failed" | "cancelled";
  error: string | null;
  /** The complete steps, earlier sessions' included. */
  steps: StepRecord[];
  result: ExperimentResult;
}

/** After a step's window, Prometheus is asked once its last scrape has surely been stored. */
const SETTLE_MS = 1500;

/** Failure reasons that mean the target was not reached at all (rather than overloaded). */
const UNREACHABLE = new Set([
  "connect_refused",
  "dns_error",
  "connect_timeout",
  "unreachable",
  "ssrf_blocked",
  "tls_error",
]);

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Resolves with `work`, or rejects as soon as `signal` aborts. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error("cancelled"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The capacity core's view of a complete step. */
function capacityStep(record: StepRecord): StepMeasurement {
  const m = record.measurements!;
  return {
    step: record.step,
    replicas: record.replicas,
    offeredLoad: record.load,
    throughput: m.throughput,
    errorRate: m.error_rate,
    latencyMs: m.latency_ms,
    cpuCores: m.cpu_cores?.avg ?? null,
    memoryBytes: m.memory_bytes?.avg ?? null,
  };
}

/** The verdict over the complete steps so far. */
function experimentResult(spec: ExperimentSpec, steps: readonly StepRecord[]): ExperimentResult {
  const complete = steps.filter((s) => s.status === "complete" && s.measurements);
  const capacity = deriveCapacity(complete.map(capacityStep), spec.slo);
  return {
    slo: spec.slo.map((t) => t.expression),
    capacity_per_replica: capacity.capacityPerReplica,
    status: capacity.status,
    by_replicas: capacity.byReplicas.map((g) => ({
      replicas: g.replicas,
      status: g.status,
      capacity_per_replica: g.capacityPerReplica,
      upper_bound: g.upperBound,
      last_passing_step: g.lastPassingStep,
      first_failing_step: g.firstFailingStep,
      binding_slo: g.bindingSlo,
      non_monotonic: g.nonMonotonic,
      scaling_efficiency: g.scalingEfficiency,
    })),
    cpu_per_load: capacity.cpuPerLoad,
    memory_per_load: capacity.memoryPerLoad,
    steps_complete: complete.length,
    steps_planned: planSteps(spec).length,
  };
}

/**
 * Runs the steps of `spec` not already complete in `previous` (a resumed experiment keeps
 * them), in order: scales the workload when the replica count changes, runs the step's load,
 * cuts the warm-up off what the engine measured, reads resource use over the same window, and
 * hands each step to the sink as it ends. After the SLO fails at a replica count, the higher
 * rates of that count are skipped unless `continue_after_failure`. Never rejects: a target
 * nobody answers, Prometheus failing or the scaler failing end it as `failed` with the steps
 * measured so far; the signal ends it as `cancelled`.
 */
export async function runExperiment(
  spec: ExperimentSpec,
  previous: readonly StepRecord[],
  deps: RunnerDeps,
  signal: AbortSignal,
): Promise<ExperimentOutcome> {
  const sleep = deps.sleep ?? abortableSleep;
  const steps = new Map(previous.filter((s) => s.status === "complete").map((s) => [s.step, s]));
  const finish = (status: ExperimentOutcome["status"], error: string | null = null): ExperimentOutcome => {
    const all = [...steps.values()].sort((a, b) => a.step - b.step);
    return { status, error, steps: all, result: experimentResult(spec, all) };
  };
  const record = async (entry: StepRecord): Promise<void> => {
    if (entry.status === "complete") steps.set(entry.step, entry);
    await deps.sink.stepFinished(entry, experimentResult(spec, [...steps.values()]));
  };
  const failedAt = (replicas: number, before: number) =>
    [...steps.values()].some(
      (s) =>
        s.replicas === replicas && s.step < before && s.status === "complete" && !s.measurements?.slo_passed,
    );
  const remaining = planSteps(spec).filter((p) => !steps.has(p.step));
  if (remaining.length === 0) return finish("complete");

  if (deps.resources) {
    try {
      await deps.resources.check();
    } catch (error) {
      return finish("failed", message(error));
    }
  }
  let scaledTo: number | undefined;
  for (const planned of remaining) {
    if (signal.aborted) return finish("cancelled");
    if (!spec.continue_after_failure && failedAt(planned.replicas, planned.step)) continue;
    if (deps.scaler && spec.replicas && scaledTo !== planned.replicas) {
      try {
        await unlessAborted(deps.scaler.scale(spec.namespace!, spec.workload!, planned.replicas), signal);
        scaledTo = planned.replicas;
      } catch (error) {
        if (signal.aborted) return finish("cancelled");
        return finish(
          "failed",
          `scaling ${spec.namespace}/${spec.workload} to ${planned.replicas} replicas failed: ${message(error)}`,
        );
      }
    }
    const startedAt = new Date();
    await deps.sink.stepStarted(planned, startedAt);
    const base = { step: planned.step, replicas: planned.replicas, load: planned.rate, startedAt };
    let execution: StepExecution;
    try {
      execution = await deps.runStep(
        planned,
        {
          rate: planned.rate,
          durationMs: spec.warmup + spec.step_duration,
          gracefulStopMs: spec.graceful_stop,
          maxInFlight: spec.max_in_flight,
        },
        signal,
      );
    } catch (error) {
      await record({ ...base, status: "failed", runId: null, measurements: null, finishedAt: new Date() });
      return finish("failed", `step ${planned.step} (${planned.rate}/s) could not run: ${message(error)}`);
    }
    const measurements = stepMeasurements(spec, planned, execution.snapshot);
    const cut = async () => {
      measurements.cancelled = true;
      measurements.problems.push("cut short before the step ended; measured again on resume");
      await record({ ...base, status: "failed", runId: null, measurements, finishedAt: new Date() });
      return finish("cancelled");
    };
    if (execution.snapshot.cancelled || signal.aborted) return cut();
    let prometheusFailure: string | undefined;
    if (deps.resources) {
      const windowEnd = Date.parse(measurements.window.end);
      await sleep(windowEnd + SETTLE_MS - Date.now(), signal);
      if (signal.aborted) return cut();
      try {
        const used = await deps.resources.measure(Date.parse(measurements.window.start), windowEnd);
        measurements.cpu_cores = used.cpuCores;
        measurements.memory_bytes = used.memoryBytes;
        measurements.problems.push(...used.problems);
      } catch (error) {
        if (!(error instanceof PrometheusError)) throw error;
        prometheusFailure = error.message;
        measurements.problems.push(`resource use not read: ${error.message}`);
      }
    }
    await record({
      ...base,
      status: "complete",
      runId: execution.runId,
      measurements,
      finishedAt: new Date(),
    });
    if (prometheusFailure !== undefined) return finish("failed", prometheusFailure);
    const unreachable = unreachableReason(execution.snapshot);
    if (unreachable !== undefined)
      return finish(
        "failed",
        `the target is unreachable: all ${execution.snapshot.failed} requests of step ${planned.step} failed (${unreachable})`,
      );
  }
  return finish("complete");
}

function stepMeasurements(
  spec: ExperimentSpec,
  planned: PlannedStep,
  snapshot: RunSnapshot,
): StepMeasurements {
  const window = measureWindow(snapshot, spec.warmup, spec.step_duration);
  const measurements: StepMeasurements = {
    offered_rate: planned.rate,
    throughput: window.throughput,
    throughput_per_replica: window.throughput / planned.replicas,
    requests: window.requests,
    failed: window.failed,
    error_rate: window.errorRate,
    failures: snapshot.failures,
    latency_ms: window.latencyMs,
    window: { start: new Date(window.startMs).toISOString(), end: new Date(window.endMs).toISOString() },
    cpu_cores: null,
    memory_bytes: null,
    slo: [],
    slo_passed: false,
    problems: [],
    cancelled: false,
  };
  const verdict = evaluateSlo(
    {
      step: planned.step,
      replicas: planned.replicas,
      offeredLoad: planned.rate,
      throughput: window.throughput,
      errorRate: window.errorRate,
      latencyMs: window.latencyMs,
      cpuCores: null,
      memoryBytes: null,
    },
    spec.slo,
  );
  measurements.slo = verdict.verdicts;
  measurements.slo_passed = verdict.pass;
  if (window.requests === 0) measurements.problems.push("no job finished after the warm-up");
  return measurements;
}

/** The reasons when no job of the run succeeded and every failure says the target was not reached. */
function unreachableReason(snapshot: RunSnapshot): string | undefined {
  if (snapshot.completed > 0 || snapshot.failed === 0) return undefined;
  const reasons = Object.keys(snapshot.failures).filter((r) => r !== INTERRUPTED);
  if (reasons.length === 0 || !reasons.every((r) => UNREACHABLE.has(r))) return undefined;
  return reasons.join(", ");
}
