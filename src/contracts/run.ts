import { z } from "zod";
import { decimalId, timestamp } from "./common.js";
import { RUN_SORTS, RUN_SOURCES, RUN_STATUSES } from "./run-constants.js";

export const runView = z.object({
  id: z.number(),
  scenario_id: z.number().nullable(),
  automation_id: z.number().nullable(),
  scenario_name: z.string().nullable(),
  automation_name: z.string().nullable(),
  source: z
    .enum(RUN_SOURCES)
    .describe(
      "trigger (POST /runs/trigger), benchmark_api (POST /benchmark/run), schedule, or experiment (a load experiment's step: environment.experiment_id, experiment_step)",
    ),
  schedule_id: z.number().nullable().describe("the schedule that fired it (source schedule)"),
  status: z.enum(RUN_STATUSES),
  reason: z.string().nullable().describe("why it failed or was cancelled: interrupted, error, cancelled"),
  error: z.string().nullable(),
  attempts: z.number(),
  created_at: timestamp,
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
  duration_s: z.number().nullable(),
  total_jobs: z.number().nullable(),
  failed_jobs: z.number().nullable(),
  success_rate: z.number().nullable().describe("share of the run's jobs that succeeded"),
  throughput: z.number().nullable(),
  latency_ms: z.object({
    p50: z.number().nullable(),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
  }),
  cost: z.number().nullable(),
  thresholds_passed: z.boolean().nullable(),
  passed: z.boolean().nullable().describe("completed, thresholds met (without thresholds: no job failed)"),
  outcomes: z.record(z.string(), z.number()),
  spec: z.record(z.string(), z.unknown()).optional(),
  result: z.record(z.string(), z.unknown()).nullable().optional(),
  histogram: z.string().nullable().optional().describe("HdrHistogram of latencies in µs, compressed base64"),
  timeline: z.array(z.unknown()).optional(),
  response_sample: z.unknown().optional(),
  environment: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type RunView = z.infer<typeof runView>;

export const triggerBody = z.strictObject({
  scenario_id: z.number({ error: "must be a scenario id" }).int().min(1),
});

const date = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), { message: "must be an ISO-8601 time" })
  .transform((text) => new Date(text));

export const runListQuery = z.strictObject({
  scenario_id: decimalId("must be a scenario id").optional(),
  automation_id: decimalId("must be an automation id").optional(),
  status: z
    .string()
    .transform((text) => text.split(","))
    .pipe(
      z.array(
        z.enum(RUN_STATUSES, { error: `must be a comma-separated list of ${RUN_STATUSES.join(", ")}` }),
      ),
    )
    .optional(),
  from: date.optional(),
  to: date.optional(),
  sort: z.enum(RUN_SORTS).default("created_at"),
  order: z.enum(["asc", "desc"]).default("desc"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const runListView = z.object({
  items: z.array(runView),
  next_cursor: z.string().nullable(),
});
