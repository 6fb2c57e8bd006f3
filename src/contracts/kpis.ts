import { z } from "zod";
import { runListQuery, runView } from "./run.js";

export const kpiQuery = z
  .strictObject({
    from: runListQuery.shape.from,
    to: runListQuery.shape.to,
    scenario_id: runListQuery.shape.scenario_id,
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: "from must be before to", path: ["to"] });

const latency = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

const totals = {
  total_runs: z.number(),
  finished_runs: z.number(),
  passed_runs: z.number(),
  success_rate: z.number().nullable(),
  jobs: z.number(),
  failed_jobs: z.number(),
  job_success_rate: z.number().nullable(),
  cost: z.number(),
  latency_ms: latency,
};

export const kpiSeriesPoint = z.object({
  start: z.string().describe("UTC start of the bucket"),
  runs: z.number().describe("finished runs (completed, failed, cancelled) created in the bucket"),
  finished_runs: z.number().describe("completed or failed"),
  passed_runs: z.number(),
  success_rate: z.number().nullable().describe("passed ÷ finished runs; null without any"),
  cost: z.number(),
  latency_ms: latency.describe("percentiles of the bucket's runs' merged histograms"),
});
export type KpiSeriesPoint = z.infer<typeof kpiSeriesPoint>;

export const kpiSeriesView = z.object({
  bucket: z.enum(["hour", "day", "month"]).describe("hours up to 3 days, days up to 120 days, months beyond"),
  points: z.array(kpiSeriesPoint).describe("every whole UTC bucket overlapping the window, oldest first"),
});
export type KpiSeriesView = z.infer<typeof kpiSeriesView>;

export const dashboardView = z.object({
  window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  ...totals,
  runs_by_status: z.record(z.string(), z.number()),
  recent_runs: z.array(runView),
  scenarios: z.array(
    z.object({ scenario_id: z.number().nullable(), scenario_name: z.string().nullable(), ...totals }),
  ),
  series: kpiSeriesView,
});
export type DashboardView = z.infer<typeof dashboardView>;
