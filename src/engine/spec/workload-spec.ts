import { z } from "zod";
import { DISTRIBUTIONS } from "../jobs/distributions.js";
import { parseThreshold, type Threshold } from "../stats/thresholds.js";
import { parseDuration } from "./duration.js";
import { ENGINE_LIMITS, type SpecLimits } from "./limits.js";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** A duration as `"10s"`, `"250ms"`, `"1m30s"` or a number of seconds; parsed to milliseconds. */
export function durationField(maxMs: number) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `must be a duration such as "10s", "250ms", "1m30s" or a number of seconds (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    if (ms > maxMs) {
      ctx.addIssue({ code: "custom", message: `must be at most ${maxMs / 1000} seconds` });
      return z.NEVER;
    }
    return ms;
  });
}

const thresholdField = z.string().transform((expression, ctx): Threshold => {
  const parsed = parseThreshold(expression);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

export function workloadSpecSchema(limits: SpecLimits = ENGINE_LIMITS) {
  const duration = durationField(limits.maxRunDurationMs);
  const inFlight = z.number().int().min(1).max(limits.maxConcurrency);

  const syntheticJob = z.strictObject({
    kind: z.literal("synthetic"),
    duration_ms: z.number().min(0).max(limits.maxJobDurationMs).default(0),
    distribution: z.enum(DISTRIBUTIONS).default("fixed"),
    spread_ms: z.number().min(0).max(limits.maxJobDurationMs).optional(),
    failure_rate: z.number().min(0).max(1).default(0),
    mode: z.enum(["sleep", "cpu"]).default("sleep"),
  });

  const httpJob = z.strictObject({
    kind: z.literal("http"),
    url: z.string().refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
      message: "must be an absolute http:// or https:// URL",
    }),
    method: z.enum(HTTP_METHODS).default("GET"),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid header name"), z.string())
      .default({}),
    body: z.string().optional(),
    timeout_ms: z.number().int().min(1).max(limits.maxJobDurationMs).default(30_000),
    expect_status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
    connections: z.number().int().min(1).max(limits.maxConcurrency).optional(),
    pipelining: z.number().int().min(1).max(1024).default(1),
    client: z.enum(["fast", "undici"]).default("fast"),
  });

  const closed = z
    .strictObject({
      model: z.literal("closed"),
      jobs: z.number().int().min(1).max(limits.maxJobs).optional(),
      concurrency: inFlight.optional(),
      duration: duration.optional(),
    })
    .refine((load) => load.jobs !== undefined || load.duration !== undefined, {
      message: "a closed load needs 'jobs', 'duration' or both",
    });

  const open = z.strictObject({
    model: z.literal("open"),
    rate: z.number().positive().max(limits.maxRate),
    duration,
    max_in_flight: inFlight.optional(),
    late_start_ms: z.number().min(0).max(60_000).default(10),
  });

  const stage = z.strictObject({ duration, target: z.number().min(0) });
  const stages = z
    .strictObject({
      model: z.literal("stages"),
      target: z.enum(["rate", "concurrency"]).default("rate"),
      start: z.number().min(0).default(0),
      stages: z.array(stage).min(1).max(1000),
      max_in_flight: inFlight.optional(),
      late_start_ms: z.number().min(0).max(60_000).default(10),
    })
    .superRefine((load, ctx) => {
      const cap = load.target === "rate" ? limits.maxRate : limits.maxConcurrency;
      const peak = Math.max(load.start, ...load.stages.map((s) => s.target));
      if (peak > cap)
        ctx.addIssue({ code: "custom", path: ["stages"], message: `targets must be at most ${cap}` });
      if (load.target === "concurrency" && load.stages.some((s) => !Number.isInteger(s.target))) {
        ctx.addIssue({ code: "custom", path: ["stages"], message: "concurrency targets must be integers" });
      }
      const total = load.stages.reduce((sum, s) => sum + s.duration, 0);
      if (total > limits.maxRunDurationMs) {
        ctx.addIssue({
          code: "custom",
          path: ["stages"],
          message: `stages must last at most ${limits.maxRunDurationMs / 1000} seconds in total`,
        });
      }
      if (total === 0)
        ctx.addIssue({ code: "custom", path: ["stages"], message: "stages must last longer than 0 seconds" });
    });

  return z
    .strictObject({
      job: z.discriminatedUnion("kind", [syntheticJob, httpJob]),
      load: z.discriminatedUnion("model", [closed, open, stages]),
      threads: z.number().int().min(1).max(64).default(1),
      cost: z
        .strictObject({
          price_per_second: z.number().min(0).max(1e6).default(0.001),
          price_per_job: z.number().min(0).max(1e6).default(0),
        })
        .default({ price_per_second: 0.001, price_per_job: 0 }),
      thresholds: z.array(thresholdField).max(100).default([]),
      records: z.number().int().min(0).max(limits.maxRecords).default(0),
      seed: z.number().int().min(0).max(0xffffffff).optional(),
      /**
       * Set by `partitionSpec` on each part of a split workload (threads, shards): this part's
       * job i is job i·of + index of the whole, so seeded jobs draw as the whole's would.
       */
      part: z
        .strictObject({ index: z.number().int().min(0), of: z.number().int().min(1) })
        .refine((p) => p.index < p.of, { message: "index must be less than of", path: ["index"] })
        .optional(),
      graceful_stop: durationField(limits.maxRunDurationMs).default(30_000),
      progress_interval: durationField(3_600_000).default(1000),
    })
    .superRefine((spec, ctx) => {
      if (
        spec.load.model === "closed" &&
        spec.load.jobs !== undefined &&
        spec.load.jobs >= 1 &&
        spec.threads > spec.load.jobs
      ) {
        ctx.addIssue({ code: "custom", path: ["threads"], message: "must not exceed load.jobs" });
      }
    });
}

const defaultSchema = workloadSpecSchema();

/** A workload spec as written by people (durations as text, defaults omitted). */
export type WorkloadSpecInput = z.input<typeof defaultSchema>;
/** A validated workload spec: durations in ms, defaults filled, thresholds parsed. */
export type WorkloadSpec = z.output<typeof defaultSchema>;
export type JobSpec = WorkloadSpec["job"];
export type SyntheticJobSpec = Extract<JobSpec, { kind: "synthetic" }>;
export type HttpJobSpec = Extract<JobSpec, { kind: "http" }>;
export type LoadSpec = WorkloadSpec["load"];
export type ClosedLoad = Extract<LoadSpec, { model: "closed" }>;
export type OpenLoad = Extract<LoadSpec, { model: "open" }>;
export type StagesLoad = Extract<LoadSpec, { model: "stages" }>;

/** Schemas built per limits object: building one costs far more than parsing with it. */
const schemas = new WeakMap<SpecLimits, ReturnType<typeof workloadSpecSchema>>();

export function parseWorkloadSpec(input: unknown, limits?: SpecLimits) {
  if (!limits) return defaultSchema.safeParse(input);
  let schema = schemas.get(limits);
  if (!schema) schemas.set(limits, (schema = workloadSpecSchema(limits)));
  return schema.safeParse(input);
}
