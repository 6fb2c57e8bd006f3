import type { CsvProblem } from "../../rightsizing/csv.js";
import type { SeriesResult } from "../../rightsizing/recommend.js";

/** One entry of `recommendations`: a container (or CSV series) with its CPU and memory results. */
export interface RecommendationEntry {
  name: string;
  cpu: ResourceEntry | null;
  memory: ResourceEntry | null;
  /** The lower of the CPU and memory confidences. */
  confidence: number;
  baselines: {
    vpa: { cpu: { request: number } | null; memory: { request: number } | null };
    krr: { cpu: { request: number; limit: null } | null; memory: { request: number; limit: number } | null };
  };
}

interface ResourceEntry {
  request: number;
  limit: number;
  request_bounds: [number, number];
  confidence: number;
  confidence_parts: Record<string, number>;
  backtest_coverage: number;
  quality: {
    verdict: string;
    reasons: string[];
    missing_share: number;
    history_hours: number;
    changepoints: string[];
    outlier_days: string[];
  };
  forecast: {
    models: { name: string; weight: number; mase: number }[];
    fused_mase: number;
    naive_mase: number;
    step_ms: number;
    start: string;
    point: number[];
    upper: number[];
  };
}

/**
 * Replicas or HPA bounds for one workload (Prometheus sources only): demand is request/s when a
 * request rate and a per-replica capacity were given, else cores (a replica's capacity then is
 * its recommended CPU request).
 */
export interface WorkloadEntry {
  kind: "Deployment" | "StatefulSet" | "DaemonSet";
  namespace: string;
  name: string;
  /** The entries of `recommendations` (by `name`) that are this workload's containers. */
  containers: string[];
  replicas: {
    basis: "request_rate" | "cpu";
    unit: "requests_per_second" | "cores";
    /** null when an HPA targets the workload: it owns the count (see `hpa`). */
    recommended: number | null;
    /** spec.replicas as the cluster has it; null when no cluster was read. */
    current: number | null;
    /**
     * The demand the replicas must serve, forecast over the horizon: `peak` (request rate: the
     * busiest hour's upper quantile) or `request` (CPU: the request all replicas' CPU together
     * gets from the same recommender as a replica's).
     */
    demand: number;
    demand_statistic: "peak" | "request";
    capacity_per_replica: number;
    target_utilization: number;
    /** CPU basis: the container whose demand needs the most replicas. */
    binding_container: string | null;
  } | null;
  hpa: {
    name: string;
    current: {
      min_replicas: number;
      max_replicas: number;
      cpu_utilization: number | null;
      memory_utilization: number | null;
      /** spec.metrics as the API has it (a patch must carry them over: the list is atomic). */
      metrics: unknown[];
    };
    recommended: { min_replicas: number; max_replicas: number; cpu_utilization: number | null };
    replicas_at_peak: number;
    reason: string;
  } | null;
  /** Whether a cluster was asked for the workload's HPA; without one an HPA is not known of. */
  hpa_checked: boolean;
  /** Why there is no replica recommendation, when there is none. */
  replicas_error: string | null;
}

export interface RecommendReport {
  source: string;
  generated_at: string;
  recommendations: RecommendationEntry[];
  /** Per workload: replicas or HPA bounds (empty for CSV sources). */
  workloads: WorkloadEntry[];
  /** Series that got no recommendation, and why. */
  errors: { name: string; resource: string; message: string }[];
  /** CSV rows skipped, by line. */
  problems: CsvProblem[];
}

const round = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

/** Groups per-series results by name into the JSON document `aurea recommend --json` prints. */
export function buildReport(
  source: string,
  generatedAt: Date,
  results: readonly SeriesResult[],
  problems: readonly CsvProblem[] = [],
  workloads: readonly WorkloadEntry[] = [],
): RecommendReport {
  const byName = new Map<string, RecommendationEntry>();
  const errors: RecommendReport["errors"] = [];
  for (const r of results) {
    if (!r.ok) {
      errors.push({ name: r.name, resource: r.resource, message: r.error });
      continue;
    }
    const entry =
      byName.get(r.name) ??
      ({
        name: r.name,
        cpu: null,
        memory: null,
        confidence: 1,
        baselines: { vpa: { cpu: null, memory: null }, krr: { cpu: null, memory: null } },
      } satisfies RecommendationEntry);
    byName.set(r.name, entry);
    const rec = r.recommendation;
    const resource: ResourceEntry = {
      request: round(rec.request),
      limit: round(rec.limit),
      request_bounds: [round(rec.requestBounds[0]), round(rec.requestBounds[1])],
      confidence: rec.confidence,
      confidence_parts: Object.fromEntries(
        Object.entries(rec.confidenceParts).map(([k, v]) => [k, round(v, 3)]),
      ),
      backtest_coverage: round(rec.backtestCoverage, 4),
      quality: {
        verdict: r.quality.verdict,
        reasons: r.quality.reasons,
        missing_share: round(r.quality.missingShare, 4),
        history_hours: round(r.quality.historyHours, 4),
        changepoints: r.quality.changepoints,
        outlier_days: r.quality.outlierDays,
      },
      forecast: {
        models: rec.forecast.models.map((m) => ({
          name: m.name,
          weight: round(m.weight, 3),
          mase: round(m.mase, 3),
        })),
        fused_mase: round(rec.forecast.fusedMase, 4),
        naive_mase: round(rec.forecast.naiveMase, 4),
        step_ms: rec.forecast.stepMs,
        start: new Date(rec.forecast.startMs).toISOString(),
        point: rec.forecast.point.map((v) => round(v)),
        upper: rec.forecast.upper.map((v) => round(v)),
      },
    };
    entry[r.resource] = resource;
    entry.confidence = Math.min(entry.confidence, rec.confidence);
    if (r.resource === "cpu") {
      entry.baselines.vpa.cpu = { request: round(r.baselines.vpa.request) };
      entry.baselines.krr.cpu = { request: round(r.baselines.krr.request), limit: null };
    } else {
      entry.baselines.vpa.memory = { request: round(r.baselines.vpa.request) };
      entry.baselines.krr.memory = {
        request: round(r.baselines.krr.request),
        limit: round(r.baselines.krr.limit ?? 0),
      };
    }
  }
  return {
    source,
    generated_at: generatedAt.toISOString(),
    recommendations: [...byName.values()],
    workloads: [...workloads],
    errors,
    problems: [...problems],
  };
}
