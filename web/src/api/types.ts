/**
 * The API's types, inferred from the same zod schemas the server validates and answers with
 * (`src/contracts`): type-only imports, so no schema code reaches the bundle.
 */
import type { z } from "zod";
import type { AutomationView, automationInput } from "../../../src/contracts/automation.js";
import type { errorBody } from "../../../src/contracts/common.js";
import type { ComparisonView } from "../../../src/contracts/comparison.js";
import type { sessionView } from "../../../src/contracts/keys.js";
import type { DashboardView, KpiSeriesPoint } from "../../../src/contracts/kpis.js";
import type { RunView, runListView } from "../../../src/contracts/run.js";
import type { ScenarioView, scenarioInputSchema } from "../../../src/contracts/scenario.js";
import type { scheduleInput, scheduleView } from "../../../src/contracts/schedule.js";
import type { Progress, TimelinePoint } from "../../../src/engine/index.js";
import type { RecommendReport } from "../../../src/services/rightsizing/report.js";

export type { RunSort, RunStatus } from "../../../src/contracts/run-constants.js";
export type {
  AutomationView,
  ComparisonView,
  DashboardView,
  KpiSeriesPoint,
  Progress,
  RunView,
  ScenarioView,
  TimelinePoint,
};

export type RunList = z.infer<typeof runListView>;
export type ScheduleView = z.infer<typeof scheduleView>;
export type ErrorBody = z.infer<typeof errorBody>;
export type SessionView = z.infer<typeof sessionView>;
export type FieldError = NonNullable<ErrorBody["details"]>[number];

/** What the forms send: the schemas' inputs (defaults may be left out). */
export type AutomationWrite = z.input<typeof automationInput>;
export type ScenarioWrite = z.input<ReturnType<typeof scenarioInputSchema>>;
export type ScheduleWrite = z.input<typeof scheduleInput>;

/* Rightsizing: recommendations (report as `aurea recommend --json` prints it) and experiments. */
export type { RecommendReport };
export type RecommendationEntry = RecommendReport["recommendations"][number];
export type ResourceEntry = NonNullable<RecommendationEntry["cpu"]>;
export type Resource = "cpu" | "memory";
export type RecommendationStatus = "running" | "complete" | "partial" | "failed";

export type RecommendationSource =
  | { kind: "csv"; file?: string | null }
  | {
      kind: "prometheus";
      url: string;
      namespace: string;
      workload?: string | null;
      days?: number;
      step_seconds?: number;
    };

export interface RecommendationSummary {
  id: number;
  name: string;
  status: RecommendationStatus;
  source: RecommendationSource;
  collection_id: number | null;
  created_at: string;
  finished_at: string | null;
  series_count: number | null;
  /** The lowest confidence of the report's series (null while running or without any). */
  min_confidence?: number | null;
  error: string | null;
}

export interface RecommendationView extends RecommendationSummary {
  report: RecommendReport | null;
}

export interface RecommendationList {
  items: RecommendationSummary[];
  next_cursor: string | null;
}

export interface RecommendationWrite {
  name?: string;
  source: { kind: "csv"; csv: string; file?: string };
  options?: { models?: string[]; quantile?: number };
}

/** The usage behind a series' recommendation, in at most 2,000 buckets (mean and peak of each). */
export interface UsageView {
  name: string;
  resource: Resource;
  start: string;
  step_ms: number;
  values: (number | null)[];
  peaks: (number | null)[];
}
