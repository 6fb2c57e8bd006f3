import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { CsvFormatError, type CsvProblem, parseUsageCsv } from "../../rightsizing/csv.js";
import { DEFAULT_MODELS, MODEL_NAMES, type ModelName, modelsByName } from "../../rightsizing/models/index.js";
import { recommendSeries, type SeriesResult } from "../../rightsizing/recommend.js";
import type { UsageSeries } from "../../rightsizing/series.js";
import { recommendInThreads } from "../../rightsizing/threads/recommend-in-threads.js";
import type { ApplyResult } from "../../services/kubernetes/apply-plan.js";
import type { KubernetesWorkloads } from "../../services/kubernetes/workloads.js";
import { collectUsage } from "../../services/rightsizing/collect-usage.js";
import { PrometheusClient, PrometheusError } from "../../services/rightsizing/prometheus-client.js";
import { buildReport, type WorkloadEntry } from "../../services/rightsizing/report.js";
import { standardQueries } from "../../services/rightsizing/usage-queries.js";
import {
  type ClusterView,
  type ContainerOf,
  containerPlacer,
  groupByWorkload,
  type ReplicaInputs,
  type ReplicaSources,
  replicaInputs,
  workloadEntry,
  workloadPlans,
} from "../../services/rightsizing/workloads.js";
import { EXIT, UsageError } from "../exit-codes.js";
import { applyJson, formatApply, formatCsv, formatPatches, formatTable } from "../recommend/format.js";
import type { CommandIo } from "./run.js";

export interface RecommendOptions {
  csv?: string;
  prometheus?: string;
  namespace?: string;
  workload?: string;
  days?: string;
  step?: string;
  json?: boolean;
  output?: "table" | "json" | "csv" | "yaml";
  models?: string;
  quantile?: string;
  threads?: string;
  maxSeries?: string;
  /** Replicas from a request rate: request/s one replica serves, and the PromQL of the rate. */
  capacityPerReplica?: string;
  /** The JSON of `aurea experiment --json` / `--metadata` (or the API's experiment): its capacity. */
  capacityFrom?: string;
  requestRateQuery?: string;
  targetUtilization?: string;
  workloadKind?: "deployment" | "statefulset";
  /** Write to the cluster (dry run first); without it nothing is ever written. */
  apply?: boolean;
  kubeContext?: string;
  kubeconfig?: string;
  serverSide?: boolean;
  forceConflicts?: boolean;
}

type Kube = typeof import("../../services/kubernetes/index.js");

const positive = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${name} must be a positive number, got "${value}"`);
  return n;
};

/**
 * `aurea recommend`: usage from a CSV file or Prometheus → per-container requests, limits and
 * confidence with the VPA and KRR baselines. Exit 0 when every series got a recommendation, 1
 * when some did not (or CSV rows were skipped) — the others are still printed — 2 for usage errors.
 */
export async function recommendCommand(
  options: RecommendOptions,
  io: CommandIo,
  now: () => Date = () => new Date(),
  env: Readonly<Record<string, string | undefined>> = {},
) {
  if (!options.csv === !options.prometheus)
    throw new UsageError("give exactly one of --csv <file> or --prometheus <url>");
  if (options.prometheus && !options.namespace) throw new UsageError("--prometheus needs --namespace");
  checkClusterFlags(options);
  if (options.capacityFrom) {
    const { capacity, note } = await capacityFromExperiment(options.capacityFrom);
    options = { ...options, capacityPerReplica: String(capacity) };
    if (note) io.stderr.write(`aurea recommend: note: ${note}\n`);
  }
  // A cluster is read only when asked for (and written only with --apply): a bad kubeconfig
  // stops here, before minutes of collection and forecasting.
  let cluster: KubernetesWorkloads | null = null;
  let kube: Kube | null = null;
  if (options.apply || options.kubeContext || options.kubeconfig) {
    // Loaded on use: @kubernetes/client-node (with node-fetch 2, whose punycode import Node 22+
    // warns about) only when a cluster is wanted.
    kube = await import("../../services/kubernetes/index.js");
    try {
      const { config } = kube.loadKubeConfig({
        kubeconfig: options.kubeconfig,
        context: options.kubeContext,
        env,
      });
      cluster = new kube.KubernetesWorkloads(config);
    } catch (error) {
      if (error instanceof kube.KubeConfigError) throw new UsageError(error.message);
      throw error;
    }
  }
  const models = (options.models?.split(",") ?? DEFAULT_MODELS).map((m) => m.trim()) as ModelName[];
  for (const m of models)
    if (!MODEL_NAMES.includes(m))
      throw new UsageError(`unknown model "${m}" (models: ${MODEL_NAMES.join(", ")})`);
  const quantile = positive("--quantile", options.quantile, 0.97);
  if (quantile >= 1) throw new UsageError("--quantile must be below 1, e.g. 0.97");
  const output = options.json ? "json" : (options.output ?? "table");

  let series: UsageSeries[];
  let problems: CsvProblem[] = [];
  let source: string;
  const extra: { oomKillsAt?: ReadonlyMap<string, number[]>; throttled?: ReadonlySet<string> } = {};
  let replicas: ReplicaInputs | undefined;
  const notes: string[] = [];
  if (options.csv) {
    source = `csv:${options.csv}`;
    let text: string;
    try {
      text = await readFile(options.csv, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read ${options.csv}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    try {
      const parsed = parseUsageCsv(text, basename(options.csv).replace(/\.csv$/i, ""));
      series = parsed.series;
      problems = parsed.problems;
      if (parsed.rows > 0 && problems.length === parsed.rows)
        throw new UsageError(
          `${options.csv}: none of the ${parsed.rows} rows could be read (line ${problems[0]?.line}: ${problems[0]?.reason})`,
        );
    } catch (error) {
      if (error instanceof CsvFormatError) throw new UsageError(`${options.csv}: ${error.message}`);
      throw error;
    }
  } else {
    const prometheus = options.prometheus as string;
    source = `prometheus:${prometheus}`;
    const days = positive("--days", options.days, 14);
    const step = positive("--step", options.step, 300);
    const end = Math.floor(now().getTime() / 1000 / step) * step;
    const client = new PrometheusClient(prometheus);
    const queries = standardQueries(options.namespace as string, options.workload, {
      requestRate: options.requestRateQuery,
    });
    // The replica queries too: all replicas' CPU and, with a capacity, the request rate.
    const window = {
      startSeconds: end - days * 86_400,
      endSeconds: end,
      stepSeconds: step,
      maxSeries: positive("--max-series", options.maxSeries, 200),
      replicas: { requestRate: options.capacityPerReplica !== undefined },
    };
    try {
      const collected = await collectUsage(client, queries, window);
      series = collected.series;
      extra.oomKillsAt = collected.oomKillsAt;
      extra.throttled = collected.throttled;
      for (const q of collected.empty) notes.push(`no series for ${q}`);
      if (collected.series.length > 0 && collected.replicaUsage)
        replicas = replicaInputs(collected.replicaUsage, {
          capacityPerReplica:
            options.capacityPerReplica === undefined ? undefined : Number(options.capacityPerReplica),
          targetUtilisation:
            options.targetUtilization === undefined ? undefined : Number(options.targetUtilization),
          requestRateQuery: queries.requestRate as string,
          requestRateOption: "--request-rate-query",
        });
    } catch (error) {
      if (error instanceof PrometheusError) {
        io.stderr.write(`aurea recommend: ${error.message}\n`);
        return EXIT.ERROR;
      }
      throw error;
    }
    if (series.length === 0) {
      io.stderr.write(
        `aurea recommend: Prometheus has no container usage for namespace "${options.namespace}"${options.workload ? ` and workload "${options.workload}"` : ""} in the last ${days} days (${notes.join("; ")})\n`,
      );
      return EXIT.ERROR;
    }
  }

  const threads = Math.max(1, Math.floor(positive("--threads", options.threads, availableParallelism())));
  const recommendOptions = { cpuQuantile: quantile };
  let results: SeriesResult[];
  const incidents = (s: UsageSeries) => ({
    oomKillsAt: extra.oomKillsAt?.get(s.name) ?? [],
    throttled: extra.throttled?.has(s.name) ?? false,
  });
  if (threads > 1 && series.length >= 8)
    results = await recommendInThreads(series, { models, ...recommendOptions }, threads, incidents);
  else {
    results = [];
    const fitted = modelsByName(models);
    for (const s of series)
      results.push(await recommendSeries(s, { models: fitted, ...recommendOptions, ...incidents(s) }));
  }

  let report = buildReport(source, now(), results, problems);
  const containerOf: ContainerOf = containerPlacer({
    namespace: options.namespace ?? "default",
    workload: options.workload,
    kind: options.workloadKind === "statefulset" ? "StatefulSet" : "Deployment",
  });

  // Replicas (Prometheus only) and, with a cluster, HPAs and --apply.
  const clusterErrors: string[] = [];
  let applied: ApplyResult | undefined;
  if (replicas) {
    const sources: ReplicaSources = { ...replicas, models: modelsByName(models), quantile };
    const workloads: WorkloadEntry[] = [];
    const unreadable = new Set<string>();
    for (const group of groupByWorkload(report, containerOf)) {
      let view: ClusterView | null = null;
      if (cluster)
        try {
          view = {
            state: await cluster.get(group.ref),
            hpa: await cluster.findHpa(group.ref.namespace, group.ref),
          };
        } catch (error) {
          if (!(error instanceof (kube as Kube).KubernetesError)) throw error;
          clusterErrors.push(error.message);
          unreadable.add(`${group.ref.kind}/${group.ref.namespace}/${group.ref.name}`);
        }
      workloads.push(await workloadEntry(group, sources, view));
    }
    report = { ...report, workloads };
    if (options.apply) {
      // A workload whose HPA could not be looked up must not get a replica count: when any
      // could not be read, the others are dry-run (and reported) but nothing is applied.
      const plans = workloadPlans(report, containerOf).filter(
        (p) => !unreadable.has(`${p.workload.kind}/${p.workload.namespace}/${p.workload.name}`),
      );
      applied = await (kube as Kube).applyPlans(cluster as KubernetesWorkloads, plans, {
        serverSide: options.serverSide === true,
        force: options.forceConflicts === true,
        dryRunOnly: clusterErrors.length > 0,
      });
    }
  }

  if (output === "json")
    io.stdout.write(
      `${JSON.stringify(applied ? { ...report, apply: applyJson(applied) } : report, null, 2)}\n`,
    );
  else if (output === "csv") io.stdout.write(formatCsv(report));
  else if (output === "yaml") io.stdout.write(formatPatches(report, containerOf));
  else io.stdout.write(formatTable(report));
  if (applied && output !== "json") {
    const text = formatApply(applied, (cluster as KubernetesWorkloads).server);
    if (output === "table") io.stdout.write(`\n${text}`);
    else io.stderr.write(text);
  }

  for (const p of problems.slice(0, 20)) io.stderr.write(`${options.csv}:${p.line}: skipped: ${p.reason}\n`);
  if (problems.length > 20) io.stderr.write(`… and ${problems.length - 20} more skipped rows\n`);
  for (const e of report.errors)
    io.stderr.write(`aurea recommend: ${e.name} (${e.resource}): no recommendation: ${e.message}\n`);
  for (const n of notes) io.stderr.write(`aurea recommend: note: ${n}\n`);
  for (const w of report.workloads)
    if (w.replicas_error)
      io.stderr.write(
        `aurea recommend: ${w.kind} ${w.namespace}/${w.name}: no replica recommendation: ${w.replicas_error}\n`,
      );
  for (const e of clusterErrors) io.stderr.write(`aurea recommend: ${e}\n`);
  if (options.apply && clusterErrors.length > 0)
    io.stderr.write("aurea recommend: nothing applied: the cluster could not be read for every workload\n");
  for (const o of [...(applied?.dryRun ?? []), ...(applied?.applied ?? [])])
    if (o.error) io.stderr.write(`aurea recommend: ${o.error.message}\n`);
  if (report.recommendations.length === 0)
    io.stderr.write("aurea recommend: no series could be recommended\n");
  const replicaFailed =
    options.capacityPerReplica !== undefined && report.workloads.some((w) => w.replicas_error !== null);
  const applyFailed =
    applied !== undefined && (applied.applied === null || applied.applied.some((o) => !o.ok));
  return report.errors.length > 0 ||
    problems.length > 0 ||
    replicaFailed ||
    clusterErrors.length > 0 ||
    applyFailed
    ? EXIT.ERROR
    : EXIT.OK;
}

/** Flags that need a Prometheus workload or a cluster, refused where they cannot mean anything. */
function checkClusterFlags(options: RecommendOptions) {
  const cluster = options.apply || options.kubeContext || options.kubeconfig;
  if (cluster && !options.prometheus)
    throw new UsageError(
      `${options.apply ? "--apply" : options.kubeContext ? "--kube-context" : "--kubeconfig"} needs --prometheus and --namespace: a CSV names no workloads to patch`,
    );
  if ((options.serverSide || options.forceConflicts) && !options.apply)
    throw new UsageError("--server-side and --force-conflicts only go with --apply");
  if (options.forceConflicts && !options.serverSide)
    throw new UsageError("--force-conflicts takes over fields in server-side apply: give --server-side too");
  if (options.capacityFrom !== undefined && options.capacityPerReplica !== undefined)
    throw new UsageError("give one of --capacity-per-replica and --capacity-from");
  for (const [flag, value] of [
    ["--capacity-per-replica", options.capacityPerReplica],
    ["--capacity-from", options.capacityFrom],
    ["--request-rate-query", options.requestRateQuery],
    ["--target-utilization", options.targetUtilization],
  ] as const) {
    if (value === undefined) continue;
    if (!options.prometheus)
      throw new UsageError(`${flag} needs --prometheus: replicas come from Prometheus usage`);
    if (flag !== "--target-utilization" && !options.workload)
      throw new UsageError(`${flag} is one workload's: give --workload`);
  }
  if (
    options.requestRateQuery !== undefined &&
    options.capacityPerReplica === undefined &&
    options.capacityFrom === undefined
  )
    throw new UsageError(
      "--request-rate-query needs --capacity-per-replica <req/s>: a rate alone gives no replica count",
    );
  if (options.capacityPerReplica !== undefined)
    positive("--capacity-per-replica", options.capacityPerReplica, 1);
  if (options.targetUtilization !== undefined) {
    const t = positive("--target-utilization", options.targetUtilization, 0.7);
    if (t > 1)
      throw new UsageError(
        `--target-utilization is a share of capacity, at most 1 (e.g. 0.7), got "${options.targetUtilization}"`,
      );
  }
}

/**
 * Capacity per replica from a load experiment's JSON (`aurea experiment --json`, its
 * `--metadata` file, or `GET /api/v1/experiments/:id`): `result.capacity_per_replica`, the
 * requests/s one replica served within the SLO.
 */
async function capacityFromExperiment(path: string): Promise<{ capacity: number; note?: string }> {
  let document: { result?: { capacity_per_replica?: unknown; status?: unknown } | null };
  try {
    document = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--capacity-from ${path}: ${code ? `cannot read it (${code})` : "not JSON"}`);
  }
  const capacity = document?.result?.capacity_per_replica;
  const status = document?.result?.status;
  if (typeof capacity !== "number" || !(capacity > 0))
    throw new UsageError(
      `--capacity-from ${path}: no result.capacity_per_replica${typeof status === "string" ? ` (the experiment's verdict: ${status})` : ""}: is this an experiment's JSON, and did its SLO hold at some step?`,
    );
  return status === "lower_bound"
    ? {
        capacity,
        note: `the experiment's SLO never failed: ${capacity} req/s per replica is a lower bound, so the replicas are an upper bound`,
      }
    : { capacity };
}
