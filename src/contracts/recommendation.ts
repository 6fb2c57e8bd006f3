import { z } from "zod";
import type { ModelName } from "../rightsizing/models/model.js";
import { name, timestamp } from "./common.js";

/** The forecasting models a recommendation may fit (src/rightsizing/models). */
const MODELS = ["seasonal_naive", "mstl", "prophet", "lstm"] as const satisfies readonly ModelName[];
const RECOMMENDATION_STATUSES = ["running", "complete", "partial", "failed"] as const;
const COLLECTION_STATUSES = ["collecting", "complete", "failed", "interrupted"] as const;

/** A Kubernetes namespace (RFC 1123 label). */
const namespace = z
  .string({ error: "must be a string" })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: "must be a Kubernetes namespace: lower-case letters, digits and '-'",
  })
  .max(63, { error: "must be at most 63 characters" });

/** A workload name (RFC 1123 subdomain): its pods are `<workload>-…`. */
const workload = z
  .string({ error: "must be a string" })
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error: "must be a Kubernetes object name: lower-case letters, digits, '-' and '.'",
  })
  .max(253, { error: "must be at most 253 characters" });

const prometheusUrl = z
  .string({ error: "must be a string" })
  .max(2048, { error: "must be at most 2,048 characters" })
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    error: "must be an http(s) URL",
  })
  .refine((text) => !URL.canParse(text) || (!new URL(text).username && !new URL(text).password), {
    error: "must not hold credentials (they would be stored and listed with the source)",
  });

/** The workload kinds a recommendation's replicas are for. */
const WORKLOAD_KINDS = ["Deployment", "StatefulSet"] as const;
/** Longest PromQL a recommendation may carry. */
const MAX_QUERY_LENGTH = 4000;

/** Most points one series of a Prometheus collection may have (days × 86,400 ÷ step). */
export const MAX_POINTS_PER_SERIES = 100_000;

const csvSourceInput = z.strictObject({
  kind: z.literal("csv"),
  csv: z
    .string({ error: "must be the CSV text" })
    .min(1, { error: "must not be empty" })
    .describe("timestamp,value — or timestamp,<series>,<series>:memory,…"),
  file: z
    .string({ error: "must be a string" })
    .trim()
    .min(1, { error: "must not be empty" })
    .max(255, { error: "must be at most 255 characters" })
    .default("usage.csv")
    .describe("the file's name: a single-column CSV's series is named after it"),
});

const prometheusSourceInput = z.strictObject({
  kind: z.literal("prometheus"),
  url: prometheusUrl.describe("the Prometheus base URL (http://…:9090)"),
  namespace,
  workload: workload.optional(),
  days: z
    .number({ error: "must be a number of days" })
    .gt(0, { error: "must be above 0" })
    .max(90, { error: "must be at most 90" })
    .default(14),
  step_seconds: z
    .number({ error: "must be a number of seconds" })
    .int({ error: "must be a whole number of seconds" })
    .min(10, { error: "must be at least 10" })
    .max(3600, { error: "must be at most 3,600" })
    .default(300)
    .describe(`days × 86,400 ÷ step_seconds must stay under ${MAX_POINTS_PER_SERIES} points`),
});

export const recommendationInput = z.strictObject({
  name: name.optional(),
  source: z.discriminatedUnion("kind", [csvSourceInput, prometheusSourceInput], {
    error: 'must be {"kind": "csv", "csv": …} or {"kind": "prometheus", "url": …, "namespace": …}',
  }),
  options: z
    .strictObject({
      models: z
        .array(z.enum(MODELS, { error: `must be one of ${MODELS.join(", ")}` }))
        .min(1, { error: "must name at least one model" })
        .refine((models) => new Set(models).size === models.length, { error: "must not repeat a model" })
        .optional(),
      quantile: z
        .number({ error: "must be a number" })
        .gt(0.5, { error: "must be above 0.5" })
        .lt(1, { error: "must be below 1, e.g. 0.97" })
        .optional()
        .describe("share of future 5-minute intervals the CPU request should cover (default 0.97)"),
      capacity_per_replica: z
        .number({ error: "must be a number of requests per second" })
        .gt(0, { error: "must be above 0" })
        .max(1e9, { error: "must be at most 1,000,000,000" })
        .optional()
        .describe(
          "requests/s one replica serves: replicas from the forecast request rate (Prometheus, one workload)",
        ),
      experiment_id: z
        .number({ error: "must be an experiment's id" })
        .int({ error: "must be an experiment's id" })
        .positive({ error: "must be an experiment's id" })
        .optional()
        .describe("take capacity_per_replica from this complete load experiment's result"),
      target_utilization: z
        .number({ error: "must be a number" })
        .gt(0, { error: "must be above 0" })
        .max(1, { error: "must be at most 1: a share of a replica's capacity, e.g. 0.7" })
        .optional()
        .describe(
          "share of a replica's capacity to use at the peak (default 0.7 from a request rate; 1 from CPU)",
        ),
      request_rate_query: z
        .string({ error: "must be a PromQL string" })
        .trim()
        .min(1, { error: "must not be empty" })
        .max(MAX_QUERY_LENGTH, { error: `must be at most ${MAX_QUERY_LENGTH} characters` })
        .optional()
        .describe(
          "PromQL of the workload's total requests/s (one series); the standard http_requests_total rate",
        ),
      workload_kind: z
        .enum(WORKLOAD_KINDS, { error: `must be one of ${WORKLOAD_KINDS.join(", ")}` })
        .optional()
        .describe("the kind of the workloads (default Deployment)"),
    })
    .default({}),
});
export type RecommendationInput = z.output<typeof recommendationInput>;

/** Where the usage came from (a CSV's text is not repeated). */
export const sourceView = z.union([
  z.object({ kind: z.literal("csv"), file: z.string() }),
  z.object({
    kind: z.literal("prometheus"),
    url: z.string(),
    namespace: z.string(),
    workload: z.string().nullable(),
    days: z.number(),
    step_seconds: z.number(),
  }),
]);

export const recommendationSummary = z.object({
  id: z.number(),
  name: z.string(),
  status: z.enum(RECOMMENDATION_STATUSES),
  source: sourceView.nullable().describe("null once its collection is deleted"),
  collection_id: z.number().nullable(),
  created_at: timestamp,
  finished_at: timestamp.nullable(),
  series_count: z
    .number()
    .nullable()
    .describe("series in the report (recommended or not); null while running"),
  min_confidence: z.number().nullable().describe("the lowest confidence in the report"),
  error: z.string().nullable(),
});

const resourceEntry = z.looseObject({
  request: z.number(),
  limit: z.number(),
  request_bounds: z.tuple([z.number(), z.number()]),
  confidence: z.number(),
  confidence_parts: z.record(z.string(), z.number()),
  backtest_coverage: z.number(),
  quality: z.looseObject({
    verdict: z.string(),
    reasons: z.array(z.string()),
    missing_share: z.number(),
    history_hours: z.number(),
    changepoints: z.array(z.string()),
    outlier_days: z.array(z.string()),
  }),
  forecast: z.looseObject({
    models: z.array(z.looseObject({ name: z.string(), weight: z.number(), mase: z.number() })),
    fused_mase: z.number(),
    naive_mase: z.number(),
    step_ms: z.number(),
    start: timestamp,
    point: z.array(z.number()),
    upper: z.array(z.number()),
  }),
});
const request = z.looseObject({ request: z.number() });

/** One workload's replicas (src/services/rightsizing/report.ts `WorkloadEntry`). */
const workloadEntry = z.looseObject({
  kind: z.enum(["Deployment", "StatefulSet", "DaemonSet"]),
  namespace: z.string(),
  name: z.string(),
  containers: z.array(z.string()).describe("the entries of recommendations (by name) in it"),
  replicas: z
    .looseObject({
      basis: z.enum(["request_rate", "cpu"]),
      unit: z.enum(["requests_per_second", "cores"]),
      recommended: z.number().nullable().describe("null when an HPA owns the count"),
      current: z.number().nullable().describe("null: no cluster was read"),
      demand: z.number(),
      demand_statistic: z.enum(["peak", "request"]),
      capacity_per_replica: z.number(),
      target_utilization: z.number(),
      binding_container: z.string().nullable(),
    })
    .nullable(),
  hpa: z
    .looseObject({
      name: z.string(),
      current: z.looseObject({
        min_replicas: z.number(),
        max_replicas: z.number(),
        cpu_utilization: z.number().nullable(),
        memory_utilization: z.number().nullable(),
      }),
      recommended: z.looseObject({
        min_replicas: z.number(),
        max_replicas: z.number(),
        cpu_utilization: z.number().nullable(),
      }),
      replicas_at_peak: z.number(),
      reason: z.string(),
    })
    .nullable(),
  hpa_checked: z.boolean().describe("false: no cluster was asked, an HPA is not known of"),
  replicas_error: z.string().nullable(),
});

/**
 * What `aurea recommend --json` prints (src/services/rightsizing/report.ts). Loose: fields the
 * report gains pass through rather than being stripped.
 */
export const reportView = z.looseObject({
  source: z.string(),
  generated_at: timestamp,
  recommendations: z.array(
    z.looseObject({
      name: z.string(),
      cpu: resourceEntry.nullable(),
      memory: resourceEntry.nullable(),
      confidence: z.number(),
      baselines: z.looseObject({
        vpa: z.looseObject({ cpu: request.nullable(), memory: request.nullable() }),
        krr: z.looseObject({
          cpu: z.looseObject({ request: z.number(), limit: z.null() }).nullable(),
          memory: z.looseObject({ request: z.number(), limit: z.number() }).nullable(),
        }),
      }),
    }),
  ),
  workloads: z
    .array(workloadEntry)
    .default([])
    .describe("per workload its replicas (Prometheus sources); empty for a CSV"),
  errors: z.array(z.looseObject({ name: z.string(), resource: z.string(), message: z.string() })),
  problems: z.array(z.looseObject({ line: z.number(), reason: z.string() })),
});

export const recommendationView = recommendationSummary.extend({
  options: z.object({
    models: z.array(z.string()),
    quantile: z.number(),
    capacity_per_replica: z
      .number()
      .nullable()
      .describe("given, or taken from experiment_id; null: replicas from CPU"),
    experiment_id: z.number().nullable(),
    capacity_status: z
      .string()
      .nullable()
      .describe(
        "the experiment's verdict: lower_bound when its SLO never failed (replicas are then an upper bound)",
      ),
    target_utilization: z.number().nullable().describe("null: the default of the basis"),
    request_rate_query: z.string().nullable().describe("null: the standard query (when a capacity is given)"),
    workload_kind: z.enum(WORKLOAD_KINDS),
  }),
  report: reportView
    .nullable()
    .describe("null while running (and for a failed one that never got to fitting: see error)"),
});

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const recommendationListView = z.object({
  items: z.array(recommendationSummary),
  next_cursor: z.string().nullable(),
});

export const usageQuery = z.strictObject({
  series: z.string({ error: "must name a series of the report" }).min(1).max(1000),
  resource: z.enum(["cpu", "memory"], { error: "must be cpu or memory" }).default("cpu"),
});

export const usageView = z.object({
  name: z.string(),
  resource: z.enum(["cpu", "memory"]),
  start: timestamp.describe("the first bucket's start"),
  step_ms: z.number().describe("bucket width"),
  values: z.array(z.number().nullable()).describe("mean per bucket (null: no sample in it)"),
  peaks: z.array(z.number().nullable()).describe("highest sample per bucket"),
});

export const collectionView = z.object({
  id: z.number(),
  name: z.string(),
  status: z.enum(COLLECTION_STATUSES),
  source: sourceView,
  window_start: timestamp,
  window_end: timestamp,
  progress: z.object({ chunks_done: z.number(), chunks_total: z.number() }),
  error: z.string().nullable(),
  created_at: timestamp,
  finished_at: timestamp.nullable(),
});

export const collectionListView = z.object({
  items: z.array(collectionView),
  next_cursor: z.string().nullable(),
});

/** A CSV document (`text/csv`). */
export const csvText = z.string().describe("text/csv");
