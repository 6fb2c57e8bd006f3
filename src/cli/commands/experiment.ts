import { writeFile } from "node:fs/promises";
import { ENGINE_LIMITS, type FieldError, fieldErrors } from "../../engine/index.js";
import { VERSION } from "../../server/version.js";
import { experimentCsv, experimentMetadata } from "../../services/rightsizing/experiment-export.js";
import { experimentQueries, ResourceProbe } from "../../services/rightsizing/experiment-resources.js";
import {
  type ExperimentOutcome,
  type ReplicaScaler,
  runExperiment,
  type StepRecord,
} from "../../services/rightsizing/experiment-runner.js";
import {
  type ExperimentSpec,
  type ExperimentSpecInput,
  needsScaling,
  normalizedSpec,
  parseExperimentSpec,
  planSteps,
  scalerRequired,
} from "../../services/rightsizing/experiment-spec.js";
import { inlineTarget, localSteps } from "../../services/rightsizing/experiment-steps.js";
import { PrometheusClient } from "../../services/rightsizing/prometheus-client.js";
import { EXIT, UsageError } from "../exit-codes.js";
import { latency, percent, rate } from "../run/format.js";
import { specFromFlags } from "../run/spec-from-flags.js";
import type { CommandIo } from "./run.js";

/** `aurea experiment` options as commander parses them. */
export interface ExperimentOptions {
  url?: string;
  method?: string;
  header?: string[];
  body?: string;
  timeout?: string;
  expectStatus?: string;
  rates?: string;
  step?: string;
  warmup?: string;
  gracefulStop?: string;
  maxInFlight?: string;
  slo?: string[];
  continueAfterFailure?: boolean;
  prometheus?: string;
  namespace?: string;
  workload?: string;
  cpuQuery?: string;
  memoryQuery?: string;
  resolution?: string;
  rateWindow?: string;
  replicas?: string;
  kubeContext?: string;
  kubeconfig?: string;
  name?: string;
  json?: boolean;
  csv?: string;
  metadata?: string;
  quiet?: boolean;
  progress?: boolean;
}

/** The flag each spec field comes from, to name it in errors. */
const FLAGS: [prefix: string, flag: string][] = [
  ["target.url", "--url"],
  ["target.method", "--method"],
  ["target.headers", "--header"],
  ["target.body", "--body"],
  ["target.timeout_ms", "--timeout"],
  ["target.expect_status", "--expect-status"],
  ["rates", "--rates"],
  ["step_duration", "--step"],
  ["warmup", "--warmup"],
  ["graceful_stop", "--graceful-stop"],
  ["max_in_flight", "--max-in-flight"],
  ["slo", "--slo"],
  ["prometheus.url", "--prometheus"],
  ["prometheus.queries.cpu", "--cpu-query"],
  ["prometheus.queries.memory", "--memory-query"],
  ["prometheus.resolution", "--resolution"],
  ["prometheus.rate_window", "--rate-window"],
  ["namespace", "--namespace"],
  ["workload", "--workload"],
  ["replicas", "--replicas"],
  ["name", "--name"],
];

const flagOf = (field: string) =>
  FLAGS.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`))?.[1];

function describe(errors: readonly FieldError[]): string {
  return errors.map((e) => `${flagOf(e.field) ?? e.field}: ${e.message}`).join("; ");
}

/** `10,20,40` → numbers, naming the flag and the bad entry. */
function numbers(text: string, flag: string, example: string): number[] {
  return text.split(",").map((part) => {
    const n = Number(part.trim());
    if (part.trim() === "" || !Number.isFinite(n))
      throw new UsageError(
        `${flag}: '${part}' is not a number; expected a comma-separated list such as ${example}`,
      );
    return n;
  });
}

/** The experiment the flags describe, validated (numbers and shapes by the same schema as the API). */
function specFromExperimentFlags(o: ExperimentOptions): ExperimentSpec {
  if (o.url === undefined) throw new UsageError("--url is required: the HTTP target to load");
  if (o.rates === undefined)
    throw new UsageError("--rates is required: the arrival rates of the steps, per second, e.g. 10,20,40,80");
  const usesPrometheus = [o.cpuQuery, o.memoryQuery, o.resolution, o.rateWindow].some((v) => v !== undefined);
  if (usesPrometheus && o.prometheus === undefined)
    throw new UsageError("--cpu-query, --memory-query, --resolution and --rate-window need --prometheus");
  // The HTTP flags parse exactly as `aurea run`'s.
  const { job } = specFromFlags({
    url: o.url,
    ...(o.method !== undefined ? { method: o.method } : {}),
    ...(o.header !== undefined ? { header: o.header } : {}),
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    ...(o.expectStatus !== undefined ? { expectStatus: o.expectStatus } : {}),
    rate: "1",
    duration: "1s",
  });
  const http = job as Extract<typeof job, { kind: "http" }>;
  const maxInFlight =
    o.maxInFlight === undefined ? undefined : numbers(o.maxInFlight, "--max-in-flight", "1000")[0];
  const input: ExperimentSpecInput = {
    ...(o.name !== undefined ? { name: o.name } : {}),
    target: {
      kind: "http",
      url: http.url,
      ...(http.method ? { method: http.method } : {}),
      ...(http.headers ? { headers: http.headers } : {}),
      ...(http.body !== undefined ? { body: http.body } : {}),
      ...(http.timeout_ms !== undefined ? { timeout_ms: http.timeout_ms } : {}),
      ...(http.expect_status ? { expect_status: http.expect_status } : {}),
    },
    rates: numbers(o.rates, "--rates", "10,20,40,80"),
    ...(o.step !== undefined ? { step_duration: o.step } : {}),
    ...(o.warmup !== undefined ? { warmup: o.warmup } : {}),
    ...(o.gracefulStop !== undefined ? { graceful_stop: o.gracefulStop } : {}),
    ...(maxInFlight !== undefined ? { max_in_flight: maxInFlight } : {}),
    ...(o.replicas !== undefined ? { replicas: numbers(o.replicas, "--replicas", "1,2,3") } : {}),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    ...(o.workload !== undefined ? { workload: o.workload } : {}),
    // Expressions hold no commas: `--slo 'p95<300ms,error_rate<1%'` is two, as two --slo flags are.
    ...(o.slo !== undefined ? { slo: o.slo.flatMap((s) => s.split(",")).map((s) => s.trim()) } : {}),
    ...(o.continueAfterFailure ? { continue_after_failure: true } : {}),
    ...(o.prometheus !== undefined
      ? {
          prometheus: {
            url: o.prometheus,
            queries: {
              ...(o.cpuQuery !== undefined ? { cpu: o.cpuQuery } : {}),
              ...(o.memoryQuery !== undefined ? { memory: o.memoryQuery } : {}),
            },
            ...(o.resolution !== undefined ? { resolution: o.resolution } : {}),
            ...(o.rateWindow !== undefined ? { rate_window: o.rateWindow } : {}),
          },
        }
      : {}),
  };
  const parsed = parseExperimentSpec(input);
  if (!parsed.success)
    throw new UsageError(`invalid experiment: ${describe(fieldErrors(parsed.error.issues))}`);
  return parsed.data;
}

async function scalerFor(
  spec: ExperimentSpec,
  o: ExperimentOptions,
  env: Record<string, string | undefined>,
): Promise<ReplicaScaler | undefined> {
  if (o.kubeContext === undefined && o.kubeconfig === undefined) {
    if (needsScaling(spec)) throw new UsageError(scalerRequired("cli"));
    return undefined;
  }
  if (!spec.replicas) throw new UsageError("--kube-context scales the workload: give --replicas as well");
  if (spec.namespace === undefined || spec.workload === undefined)
    throw new UsageError(
      "--kube-context needs --namespace and --workload (the Deployment or StatefulSet to scale)",
    );
  // Loaded on use, as `aurea recommend` does: @kubernetes/client-node pulls in node-fetch 2, whose
  // punycode import prints a deprecation warning on Node 22+.
  const kube = await import("../../services/kubernetes/index.js");
  try {
    const { config } = kube.loadKubeConfig({ context: o.kubeContext, kubeconfig: o.kubeconfig, env });
    return new kube.KubernetesWorkloads(config) as ReplicaScaler;
  } catch (error) {
    if (error instanceof kube.KubeConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * `aurea experiment`: drives an HTTP target through stepped arrival rates (and replica counts,
 * with a Kubernetes context) in this process, reads each step's CPU and memory from Prometheus,
 * and prints the steps and the capacity per replica at the SLO.
 */
export async function experimentCommand(
  options: ExperimentOptions,
  io: CommandIo,
  env: Record<string, string | undefined>,
): Promise<number> {
  const spec = specFromExperimentFlags(options);
  const scaler = await scalerFor(spec, options, env);
  const signal = io.signal ?? new AbortController().signal;
  const resources = spec.prometheus
    ? new ResourceProbe(
        new PrometheusClient(spec.prometheus.url),
        experimentQueries(spec.prometheus.queries, spec.namespace, spec.workload),
        { resolutionMs: spec.prometheus.resolution, rateWindowMs: spec.prometheus.rate_window },
      )
    : undefined;
  // The flags only describe HTTP targets (scenarios live in a server's store: POST /api/v1/experiments).
  if (spec.target.kind !== "http") throw new UsageError("aurea experiment loads an HTTP target: give --url");
  const target = inlineTarget(spec.target);
  const name = spec.name ?? target.automation.name;
  const planned = planSteps(spec).length;
  const progress = options.progress !== false && !options.quiet;
  const records = new Map<number, StepRecord>();
  const outcome = await runExperiment(
    spec,
    [],
    {
      runStep: localSteps(target, ENGINE_LIMITS),
      resources,
      scaler,
      sink: {
        stepStarted: async (step) => {
          if (progress)
            io.stderr.write(
              `step ${step.step}/${planned}: ${rate(step.rate)}/s × ${step.replicas} replica(s) for ${(spec.warmup + spec.step_duration) / 1000}s…\n`,
            );
        },
        stepFinished: async (record) => {
          records.set(record.step, record);
        },
      },
    },
    signal,
  );
  const steps = [...records.values()].sort((a, b) => a.step - b.step);
  if (options.json) io.stdout.write(`${JSON.stringify(report(name, spec, outcome, steps), null, 2)}\n`);
  else if (!options.quiet) io.stdout.write(table(spec, outcome, steps));
  if (options.csv) await writeOut(options.csv, experimentCsv(steps, { spec, ended: true }), "--csv");
  if (options.metadata) {
    const metadata = experimentMetadata({
      experiment: {
        id: null,
        name,
        status: outcome.status,
        error: outcome.error,
        created_at: null,
        started_at: steps[0]?.startedAt.toISOString() ?? null,
        finished_at: new Date().toISOString(),
      },
      spec: normalizedSpec(spec),
      queries: resources?.queries ?? null,
      result: outcome.result,
      steps,
      version: VERSION,
    });
    await writeOut(options.metadata, `${JSON.stringify(metadata, null, 2)}\n`, "--metadata");
  }
  if (outcome.error !== null) io.stderr.write(`aurea: ${outcome.error}\n`);
  if (outcome.status === "cancelled") return EXIT.INTERRUPTED;
  if (outcome.status === "failed") return EXIT.ERROR;
  return outcome.result.status === "never_held" ? EXIT.THRESHOLDS_FAILED : EXIT.OK;
}

async function writeOut(path: string, text: string, flag: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function report(name: string, spec: ExperimentSpec, outcome: ExperimentOutcome, steps: StepRecord[]) {
  return {
    experiment: { name, status: outcome.status, error: outcome.error },
    spec: normalizedSpec(spec),
    steps: steps.map((s) => ({
      step: s.step,
      replicas: s.replicas,
      load: s.load,
      status: s.status,
      started_at: s.startedAt.toISOString(),
      finished_at: s.finishedAt?.toISOString() ?? null,
      measurements: s.measurements,
    })),
    result: outcome.result,
  };
}

const cores = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n.toFixed(3));
const mebibytes = (n: number | null | undefined) =>
  n === null || n === undefined ? "–" : (n / 2 ** 20).toFixed(1);

/** The steps and the verdict, for people. */
function table(spec: ExperimentSpec, outcome: ExperimentOutcome, steps: StepRecord[]): string {
  const head = [
    "step",
    "replicas",
    "offered/s",
    "achieved/s",
    "per replica/s",
    "errors",
    "p50",
    "p95",
    "p99",
    "cpu cores",
    "mem MiB",
    "SLO",
  ];
  const rows = steps.map((s) => {
    const m = s.measurements;
    const slo =
      s.status !== "complete" ? (m?.cancelled ? "cut short" : "failed") : m?.slo_passed ? "pass" : "FAIL";
    return [
      String(s.step),
      String(s.replicas),
      rate(s.load),
      m ? rate(m.throughput) : "–",
      m ? rate(m.throughput_per_replica) : "–",
      m?.error_rate === null || m === null ? "–" : percent(m.error_rate),
      latency(m?.latency_ms.p50 ?? null),
      latency(m?.latency_ms.p95 ?? null),
      latency(m?.latency_ms.p99 ?? null),
      cores(m?.cpu_cores?.avg),
      mebibytes(m?.memory_bytes?.avg),
      slo,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  const out = [`aurea experiment — ${spec.target.kind === "http" ? spec.target.url : ""}`, "", line(head)];
  for (const r of rows) out.push(line(r));
  out.push("");
  const r = outcome.result;
  const slo = r.slo.join(", ");
  const at = (step: number | null) => (step === null ? "?" : `step ${step}`);
  for (const g of r.by_replicas) {
    const who = r.by_replicas.length > 1 ? ` with ${g.replicas} replicas` : "";
    if (g.status === "interpolated")
      out.push(
        `capacity per replica${who} at ${slo}: ${rate(g.capacity_per_replica!)}/s (between ${at(g.last_passing_step)} and ${at(g.first_failing_step)}, where ${g.binding_slo} failed first)`,
      );
    else if (g.status === "lower_bound")
      out.push(
        `capacity per replica${who} at ${slo}: at least ${rate(g.capacity_per_replica!)}/s (the SLO held at every step: add higher rates to find the limit)`,
      );
    else
      out.push(
        `capacity per replica${who} at ${slo}: below ${rate(g.upper_bound ?? 0)}/s (the SLO failed already at the lowest rate: ${g.binding_slo})`,
      );
    if (g.non_monotonic)
      out.push("  note: a step above the first failure passed again: the measurement is noisy");
    if (g.scaling_efficiency !== null && g.replicas !== r.by_replicas[0]?.replicas)
      out.push(
        `  scaling efficiency vs ${r.by_replicas[0]?.replicas} replica(s): ${percent(g.scaling_efficiency)}`,
      );
  }
  if (r.by_replicas.length > 1 && r.capacity_per_replica !== null)
    out.push(`capacity per replica to plan with (the lowest): ${rate(r.capacity_per_replica)}/s`);
  if (r.by_replicas.length === 0) out.push("no step completed: no capacity to report");
  if (r.cpu_per_load)
    out.push(
      `cpu per replica ≈ ${cores(r.cpu_per_load.intercept)} + ${r.cpu_per_load.slope.toPrecision(3)} × jobs/s (${r.cpu_per_load.points} steps${r.cpu_per_load.r2 === null ? "" : `, r² ${r.cpu_per_load.r2.toFixed(2)}`})`,
    );
  if (r.memory_per_load)
    out.push(
      `memory per replica ≈ ${mebibytes(r.memory_per_load.intercept)} MiB + ${(r.memory_per_load.slope / 2 ** 20).toPrecision(3)} MiB × jobs/s (${r.memory_per_load.points} steps)`,
    );
  const problems = steps.flatMap((s) =>
    (s.measurements?.problems ?? []).map((p) => `  step ${s.step}: ${p}`),
  );
  if (problems.length > 0) out.push("problems:", ...problems);
  if (r.steps_complete < r.steps_planned)
    out.push(
      `${r.steps_complete} of ${r.steps_planned} steps measured${spec.continue_after_failure ? "" : " (rates above a failing step are skipped)"}`,
    );
  return `${out.join("\n")}\n`;
}
