import type { ExperimentResult, StepRecord } from "./experiment-runner.js";
import {
  type ExperimentSpec,
  type ExperimentSpecInput,
  type PlannedStep,
  planSteps,
} from "./experiment-spec.js";

/**
 * The seed's unified storage of an experiment: one CSV with a row per step (every metric,
 * engine and Prometheus side by side), and JSON metadata with the experiment's context.
 */

/** RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. */
const field = (value: string | number | boolean | null | undefined) => {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The CSV's columns with their units, as the metadata describes them. */
const STEP_COLUMNS: readonly { name: string; unit: string; description: string }[] = [
  { name: "step", unit: "", description: "step number (1, 2, …), in the order the steps ran" },
  { name: "replicas", unit: "", description: "replicas of the workload during the step" },
  {
    name: "status",
    unit: "",
    description:
      "complete, failed (could not run, or cut short), running, skipped (the SLO failed at a lower rate of this replica count), pending (not reached yet) or not_run (the experiment ended before it)",
  },
  { name: "offered_rate", unit: "1/s", description: "arrival rate offered (open model), whole workload" },
  { name: "throughput", unit: "1/s", description: "jobs finished per second inside the window" },
  { name: "throughput_per_replica", unit: "1/s", description: "throughput ÷ replicas" },
  { name: "requests", unit: "", description: "jobs that ended after the warm-up (drain included)" },
  { name: "failed", unit: "", description: "of those, failed" },
  { name: "error_rate", unit: "ratio", description: "failed ÷ requests" },
  { name: "p50_ms", unit: "ms", description: "latency median, from the intended start" },
  { name: "p90_ms", unit: "ms", description: "latency 90th percentile" },
  { name: "p95_ms", unit: "ms", description: "latency 95th percentile" },
  { name: "p99_ms", unit: "ms", description: "latency 99th percentile" },
  { name: "p999_ms", unit: "ms", description: "latency 99.9th percentile" },
  { name: "mean_ms", unit: "ms", description: "latency mean" },
  { name: "max_ms", unit: "ms", description: "latency maximum" },
  { name: "cpu_cores_avg", unit: "cores", description: "CPU per replica, average over the window" },
  { name: "cpu_cores_max", unit: "cores", description: "CPU per replica, highest point of the window" },
  { name: "memory_bytes_avg", unit: "bytes", description: "memory per replica, average over the window" },
  { name: "memory_bytes_max", unit: "bytes", description: "memory per replica, highest point of the window" },
  { name: "slo_passed", unit: "", description: "every SLO expression held over the window" },
  { name: "window_start", unit: "ISO-8601", description: "window start (end of the warm-up)" },
  { name: "window_end", unit: "ISO-8601", description: "window end (end of the load)" },
  { name: "run_id", unit: "", description: "the step's engine run (GET /api/v1/runs/:id), when stored" },
  { name: "problems", unit: "", description: "what was missing in the step, '; '-separated" },
];

/** A row: a stored step, or a planned one not measured (with why). */
type CsvRow = Pick<StepRecord, "step" | "replicas" | "load" | "runId" | "measurements"> & {
  status: string;
  problem?: string;
};

/** What the CSV needs to write a row for every planned step, the ones not measured included. */
export interface CsvPlan {
  /** Null: a stored spec that no longer parses; the stored steps are written as they are. */
  spec: Pick<ExperimentSpec, "rates" | "replicas" | "continue_after_failure"> | null;
  /** The experiment has ended: a step it never reached will not run. */
  ended: boolean;
}

/**
 * A row for a planned step without a stored one: skipped after the SLO failed at a lower rate of
 * its replica count, not reached yet, or never to be run.
 */
function unmeasured(
  step: PlannedStep,
  steps: readonly StepRecord[],
  continueAfterFailure: boolean,
  ended: boolean,
): CsvRow {
  const failedBefore = continueAfterFailure
    ? undefined
    : steps.find(
        (s) =>
          s.replicas === step.replicas &&
          s.step < step.step &&
          s.status === "complete" &&
          s.measurements?.slo_passed === false,
      );
  const row = { step: step.step, replicas: step.replicas, load: step.rate, runId: null, measurements: null };
  if (failedBefore)
    return {
      ...row,
      status: "skipped",
      problem: `skipped: the SLO failed at step ${failedBefore.step} (${failedBefore.load}/s)`,
    };
  if (ended) return { ...row, status: "not_run", problem: "not run: the experiment ended before this step" };
  return { ...row, status: "pending", problem: "" };
}

/**
 * One row per planned step — every replica count × rate, in the order they run — with the
 * columns of `STEP_COLUMNS`: the stored steps' figures, and for the others their status and why.
 */
export function experimentCsv(steps: readonly StepRecord[], plan: CsvPlan): string {
  const byStep = new Map(steps.map((s) => [s.step, s]));
  const { spec, ended } = plan;
  const rows: readonly CsvRow[] = spec
    ? planSteps(spec).map(
        (p) => byStep.get(p.step) ?? unmeasured(p, steps, spec.continue_after_failure, ended),
      )
    : steps;
  const lines = [STEP_COLUMNS.map((c) => c.name).join(",")];
  for (const s of rows) {
    const m = s.measurements;
    const l = m?.latency_ms;
    lines.push(
      [
        s.step,
        s.replicas,
        s.status,
        s.load,
        m?.throughput,
        m?.throughput_per_replica,
        m?.requests,
        m?.failed,
        m?.error_rate,
        l?.p50,
        l?.p90,
        l?.p95,
        l?.p99,
        l?.p999,
        l?.mean,
        l?.max,
        m?.cpu_cores?.avg,
        m?.cpu_cores?.max,
        m?.memory_bytes?.avg,
        m?.memory_bytes?.max,
        m ? m.slo_passed : null,
        m?.window.start,
        m?.window.end,
        s.runId,
        m ? m.problems.join("; ") : (s.problem ?? ""),
      ]
        .map(field)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface MetadataContext {
  experiment: {
    id: number | null;
    name: string;
    status: string;
    error: string | null;
    created_at: string | null;
    started_at: string | null;
    finished_at: string | null;
  };
  /** The spec with every default written out. */
  spec: ExperimentSpecInput;
  /** The PromQL actually run (defaults resolved), when Prometheus was read. */
  queries: { cpu: string; memory: string } | null;
  result: ExperimentResult | null;
  steps: readonly StepRecord[];
  version: string;
}

/** The experiment's context (the seed's JSON metadata): what ran, how, what came out, data quality. */
export function experimentMetadata(context: MetadataContext): Record<string, unknown> {
  const { spec, steps } = context;
  const complete = steps.filter((s) => s.status === "complete");
  const problems = steps.flatMap((s) => (s.measurements?.problems ?? []).map((p) => `step ${s.step}: ${p}`));
  return {
    experiment: context.experiment,
    generated_at: new Date().toISOString(),
    aurea_version: context.version,
    target: spec.target,
    load: {
      model: "open",
      rates: spec.rates,
      step_duration: spec.step_duration,
      warmup: spec.warmup,
      graceful_stop: spec.graceful_stop,
      max_in_flight: spec.max_in_flight ?? null,
    },
    replicas: spec.replicas ?? null,
    kubernetes: { namespace: spec.namespace ?? null, workload: spec.workload ?? null },
    slo: spec.slo,
    prometheus: spec.prometheus
      ? {
          url: spec.prometheus.url,
          resolution: spec.prometheus.resolution,
          rate_window: spec.prometheus.rate_window,
          queries: context.queries,
        }
      : null,
    result: context.result,
    quality: {
      steps_planned: context.result?.steps_planned ?? null,
      steps_complete: complete.length,
      steps_with_cpu: complete.filter((s) => s.measurements?.cpu_cores).length,
      steps_with_memory: complete.filter((s) => s.measurements?.memory_bytes).length,
      problems,
    },
    columns: STEP_COLUMNS,
    spec,
  };
}
