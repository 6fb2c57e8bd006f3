import {
  type ContainerResources,
  type HpaMetric,
  hpaPatch,
  resourcesPatch,
  type WorkloadRef,
} from "../../rightsizing/kubernetes-patch.js";
import type { ForecastModel } from "../../rightsizing/models/index.js";
import { recommendSeries } from "../../rightsizing/recommend.js";
import {
  cpuPerUnit,
  forecastDemand,
  type HpaBounds,
  recommendReplicas,
  sumSeries,
} from "../../rightsizing/replicas.js";
import type { UsageSeries } from "../../rightsizing/series.js";
import type { WorkloadPlan } from "../kubernetes/apply-plan.js";
import type { HpaState, WorkloadState } from "../kubernetes/workloads.js";
import type { ReplicaUsage } from "./collect-usage.js";
import type { RecommendationEntry, RecommendReport, WorkloadEntry } from "./report.js";

export type ContainerOf = (name: string) => { workload: WorkloadRef; container: string } | undefined;

export interface WorkloadGroup {
  readonly ref: WorkloadRef;
  readonly containers: readonly { readonly container: string; readonly entry: RecommendationEntry }[];
}

const refKey = (ref: WorkloadRef) => `${ref.namespace}/${ref.kind}/${ref.name}`;

/** The report's containers grouped by the workload `containerOf` places them in, in report order. */
export function groupByWorkload(report: RecommendReport, containerOf: ContainerOf): WorkloadGroup[] {
  const groups = new Map<string, { ref: WorkloadRef; containers: WorkloadGroup["containers"][number][] }>();
  for (const entry of report.recommendations) {
    const place = containerOf(entry.name);
    if (!place) continue;
    const key = refKey(place.workload);
    const group = groups.get(key) ?? { ref: place.workload, containers: [] };
    groups.set(key, group);
    group.containers.push({ container: place.container, entry });
  }
  return [...groups.values()];
}

/**
 * Where a report's container (`namespace/container`) belongs: the workload named, else one
 * named after the container (a workload per container), of `kind`.
 */
export function containerPlacer(scope: {
  readonly namespace: string;
  readonly workload?: string | null | undefined;
  readonly kind: "Deployment" | "StatefulSet";
}): ContainerOf {
  return (name) => {
    const [namespace, container] = name.includes("/") ? name.split("/", 2) : [scope.namespace, name];
    return {
      workload: {
        kind: scope.kind,
        name: scope.workload ?? (container as string),
        namespace: namespace as string,
      },
      container: container as string,
    };
  };
}

export interface ReplicaSources {
  /** All replicas' CPU per container (`workloadCpu`), by series name. */
  readonly workloadCpu: ReadonlyMap<string, UsageSeries>;
  /** Why all replicas' CPU could not be read, when Prometheus refused its query. */
  readonly workloadCpuError?: string;
  /** The workload's request rate, or why there is none; only with a capacity. */
  readonly requestRate?: UsageSeries | { readonly error: string };
  /** Request/s one replica serves (`--capacity-per-replica`). */
  readonly capacityPerReplica?: number;
  /** `--target-utilization`, when given. */
  readonly targetUtilisation?: number;
  readonly models: readonly ForecastModel[];
  readonly quantile: number;
}

/** The sources of a workload's replicas but the models, which are given by the caller. */
export type ReplicaInputs = Omit<ReplicaSources, "models" | "quantile">;

/**
 * What replicas are recommended from, out of a collection's replica usage: all replicas' CPU by
 * container and, with a capacity, the request rate, which must be one series (the workload's
 * total). `requestRateOption` is where the query is set (the CLI's flag, the API's field).
 */
export function replicaInputs(
  usage: ReplicaUsage,
  options: {
    readonly capacityPerReplica?: number | undefined;
    readonly targetUtilisation?: number | undefined;
    readonly requestRateQuery: string;
    readonly requestRateOption: string;
  },
): ReplicaInputs {
  const cpu = usage.workloadCpu;
  const common = {
    workloadCpu: new Map("error" in cpu ? [] : cpu.map((s) => [s.name, s] as const)),
    ...("error" in cpu ? { workloadCpuError: cpu.error } : {}),
    ...(options.targetUtilisation === undefined ? {} : { targetUtilisation: options.targetUtilisation }),
  };
  if (options.capacityPerReplica === undefined) return common;
  const expr = options.requestRateQuery;
  const rate = usage.requestRate ?? { error: "the request rate was not collected" };
  const requestRate: NonNullable<ReplicaSources["requestRate"]> =
    "error" in rate
      ? rate
      : rate.length === 1
        ? { ...(rate[0] as UsageSeries), name: "request rate" }
        : {
            error:
              rate.length === 0
                ? `the request-rate query returned nothing (${expr}): give ${options.requestRateOption}`
                : `the request-rate query returned ${rate.length} series; it must return one, the workload's total (sum(...)): ${expr}`,
          };
  return { ...common, capacityPerReplica: options.capacityPerReplica, requestRate };
}

export interface ClusterView {
  readonly state: WorkloadState | null;
  readonly hpa: HpaState | null;
}

/**
 * One workload's replica recommendation. With a request rate and a capacity: the forecast peak
 * request/s (the busiest hour's upper quantile) ÷ (capacity × target utilisation, default 0.7).
 * Otherwise from CPU: for each container, the request all replicas' CPU together would get ÷
 * the container's recommended request — the same recommender on both sides, so a steady
 * workload keeps its count — at utilisation 1 unless `--target-utilization` (the request already
 * is what a replica must cover); the container needing most replicas decides. With an HPA (cluster read), its bounds and CPU
 * target instead of a count (`recommendReplicas`).
 */
export async function workloadEntry(
  group: WorkloadGroup,
  sources: ReplicaSources,
  cluster: ClusterView | null,
): Promise<WorkloadEntry> {
  const hpa = cluster?.hpa ?? null;
  const base: WorkloadEntry = {
    kind: group.ref.kind,
    namespace: group.ref.namespace,
    name: group.ref.name,
    containers: group.containers.map((c) => c.entry.name),
    replicas: null,
    hpa: null,
    hpa_checked: cluster !== null,
    replicas_error: null,
  };
  const bounds: HpaBounds | null = hpa
    ? {
        minReplicas: hpa.minReplicas,
        maxReplicas: hpa.maxReplicas,
        cpuUtilization: hpa.cpuUtilization,
        memoryUtilization: hpa.memoryUtilization,
      }
    : null;
  const withCpu = group.containers.filter((c) => c.entry.cpu !== null);
  const cpuRequest = withCpu.reduce((sum, c) => sum + (c.entry.cpu?.request ?? 0), 0);
  try {
    let basis: NonNullable<WorkloadEntry["replicas"]>["basis"];
    let demand: number;
    let capacity: number;
    let target: number;
    let binding: string | null = null;
    let perUnit: { cpuPerUnit: number; cpuRequestPerReplica: number } | undefined;
    if (sources.capacityPerReplica !== undefined) {
      const rate = sources.requestRate;
      if (!rate || "error" in rate) throw new Error(rate?.error ?? "no request rate");
      basis = "request_rate";
      demand = (await forecastDemand(rate, sources)).peak;
      capacity = sources.capacityPerReplica;
      target = sources.targetUtilisation ?? 0.7;
      const total = sumSeries(
        "cpu",
        withCpu.flatMap((c) => sources.workloadCpu.get(c.entry.name) ?? []),
      );
      perUnit = {
        cpuPerUnit: total ? cpuPerUnit(total, rate) : Number.NaN,
        cpuRequestPerReplica: cpuRequest,
      };
    } else {
      basis = "cpu";
      let worst: { container: string; demand: number; request: number } | null = null;
      for (const c of withCpu) {
        const series = sources.workloadCpu.get(c.entry.name);
        const request = c.entry.cpu?.request ?? 0;
        if (!series || !(request > 0)) continue;
        const total = await recommendSeries(series, {
          models: sources.models,
          cpuQuantile: sources.quantile,
        });
        if (!total.ok) throw new Error(`all replicas' CPU of ${c.entry.name}: ${total.error}`);
        const d = total.recommendation.request;
        if (!worst || d / request > worst.demand / worst.request)
          worst = { container: c.entry.name, demand: d, request };
      }
      if (!worst)
        throw new Error(
          withCpu.length === 0
            ? "no container has a CPU recommendation"
            : sources.workloadCpuError
              ? `all replicas' CPU could not be read: ${sources.workloadCpuError}`
              : "Prometheus has no CPU usage of all replicas together (the workloadCpu query returned nothing)",
        );
      demand = wholeRequests(worst.demand, worst.request);
      capacity = worst.request;
      binding = worst.container;
      target = sources.targetUtilisation ?? (bounds ? (bounds.cpuUtilization ?? 70) / 100 : 1);
    }
    const rec = recommendReplicas({
      peakDemand: demand,
      capacityPerReplica: capacity,
      targetUtilisation: target,
      hpa: bounds,
      ...(perUnit ?? {}),
    });
    const replicas: NonNullable<WorkloadEntry["replicas"]> = {
      basis,
      unit: basis === "cpu" ? "cores" : "requests_per_second",
      recommended: rec.kind === "replicas" ? rec.replicas : null,
      current: cluster?.state?.replicas ?? null,
      demand: basis === "cpu" ? demand : round(demand),
      demand_statistic: basis === "cpu" ? "request" : "peak",
      capacity_per_replica: round(capacity),
      target_utilization: round(target),
      binding_container: binding,
    };
    return {
      ...base,
      replicas,
      hpa:
        rec.kind === "hpa" && hpa
          ? {
              name: hpa.name,
              current: {
                min_replicas: hpa.minReplicas,
                max_replicas: hpa.maxReplicas,
                cpu_utilization: hpa.cpuUtilization,
                memory_utilization: hpa.memoryUtilization,
                metrics: [...hpa.metrics],
              },
              recommended: {
                min_replicas: rec.minReplicas,
                max_replicas: rec.maxReplicas,
                // An HPA that does not scale on CPU utilisation keeps its metrics.
                cpu_utilization: hpa.cpuUtilization === null ? null : rec.cpuUtilization,
              },
              replicas_at_peak: rec.replicasAtPeak,
              reason: rec.reason,
            }
          : null,
    };
  } catch (error) {
    return { ...base, replicas_error: (error as Error).message };
  }
}

/**
 * The patches `-o yaml` prints and `--apply` sends, one source for both: per workload its
 * containers' resources (and `spec.replicas` when recommended and no HPA owns the count), and
 * the HPA's patch when one was recommended.
 */
export function workloadPlans(
  report: RecommendReport,
  containerOf: ContainerOf,
): (WorkloadPlan & { confidence: number })[] {
  return groupByWorkload(report, containerOf).map((group) => {
    const containers: ContainerResources[] = group.containers.map(({ container, entry }) => ({
      container,
      ...(entry.cpu ? { cpu: { request: entry.cpu.request, limit: entry.cpu.limit } } : {}),
      ...(entry.memory ? { memory: { request: entry.memory.request, limit: entry.memory.limit } } : {}),
    }));
    const w = report.workloads.find(
      (e) => e.kind === group.ref.kind && e.namespace === group.ref.namespace && e.name === group.ref.name,
    );
    const replicas = w?.hpa ? undefined : (w?.replicas?.recommended ?? undefined);
    const patch = resourcesPatch(group.ref, containers, replicas === undefined ? {} : { replicas });
    const confidence = Math.min(1, ...group.containers.map((c) => c.entry.confidence));
    if (!w?.hpa) return { workload: group.ref, patch, confidence };
    const hpa = w.hpa;
    return {
      workload: group.ref,
      patch,
      confidence,
      hpa: {
        before: {
          name: hpa.name,
          namespace: group.ref.namespace,
          minReplicas: hpa.current.min_replicas,
          maxReplicas: hpa.current.max_replicas,
          cpuUtilization: hpa.current.cpu_utilization,
          memoryUtilization: hpa.current.memory_utilization,
          currentReplicas: null,
          metrics: hpa.current.metrics as HpaMetric[],
        },
        patch: hpaPatch(
          { name: hpa.name, namespace: group.ref.namespace },
          {
            minReplicas: hpa.recommended.min_replicas,
            maxReplicas: hpa.recommended.max_replicas,
            cpuUtilization: hpa.recommended.cpu_utilization,
          },
          hpa.current.metrics as HpaMetric[],
        ),
      },
    };
  });
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(6)) : x);

/** How far the report's 6-significant-digit rounding can move a ratio of two of its figures. */
const REPORT_ROUNDING = 1e-5;

/**
 * All replicas' CPU request, against a container's request as the report has it (rounded to 6
 * significant digits) and not as it was fitted: within that rounding of a whole number of
 * requests it is exactly that many (one pod whose total is its own usage needs one replica, not
 * two because its request was rounded down). Otherwise rounded as the report's figures.
 */
function wholeRequests(demand: number, request: number): number {
  const whole = Math.round(demand / request);
  return whole >= 1 && Math.abs(demand / request - whole) <= REPORT_ROUNDING * whole
    ? whole * request
    : round(demand);
}
