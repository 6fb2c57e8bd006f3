import { z } from "zod";
import { timestamp } from "./common.js";

/** A schedule as written: a cron expression (with a time zone) or an interval, not both (checked by the service). */
export const scheduleInput = z.strictObject({
  scenario_id: z.number({ error: "must be a scenario id" }).int().min(1),
  cron: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe("5 fields (minute hour day month weekday), or 6 with seconds first"),
  timezone: z.string().min(1).max(100).default("UTC").describe("IANA time zone of the cron expression"),
  interval_seconds: z
    .number()
    .int()
    .min(1)
    .max(366 * 24 * 3600)
    .optional(),
  enabled: z.boolean().default(true),
  overlap: z
    .enum(["skip", "queue"])
    .default("skip")
    .describe(
      "a tick while this schedule's previous run is still pending or running: skip it, or queue another",
    ),
});
export type ScheduleInput = z.output<typeof scheduleInput>;

export const scheduleView = z.object({
  id: z.number(),
  scenario_id: z.number(),
  cron: z.string().nullable(),
  timezone: z.string(),
  interval_seconds: z.number().nullable(),
  enabled: z.boolean(),
  overlap: z.enum(["skip", "queue"]),
  /** Null when disabled. */
  next_fire_at: timestamp.nullable(),
  last_fired_at: timestamp.nullable(),
  last_run: z
    .object({ id: z.number(), status: z.string(), created_at: timestamp })
    .nullable()
    .describe("the latest run this schedule fired"),
  last_success_at: timestamp.nullable().describe("when its latest run that completed and passed finished"),
  skipped_ticks: z.number(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const schedulePreviewQuery = z.strictObject({
  cron: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100).default("UTC"),
  count: z.coerce.number().int().min(1).max(50).default(5),
});
