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
import type {
  recommendationInput,
  recommendationListView,
  recommendationSummary,
  recommendationView,
  usageView,
} from "../../../src/contracts/recommendation.js";
import type { RunView, runListView } from "../../../src/contracts/run.js";
import type { ScenarioView, scenarioInputSchema } from "../../../src/contracts/scenario.js";
import type { scheduleInput, scheduleView } from "../../../src/contracts/schedule.js";
import type { Progress, TimelinePoint } from "../../../src/engine/index.js";
import type {
  ExperimentResult,
  StepMeasurements,
} from "../../../src/services/rightsizing/experiment-runner.js";

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

/* Rightsizing: recommendations (their report is what `aurea recommend --json` prints). */
export type RecommendationSummary = z.infer<typeof recommendationSummary>;
export type RecommendationView = z.infer<typeof recommendationView>;
export type RecommendationList = z.infer<typeof recommendationListView>;
export type RecommendationWrite = z.input<typeof recommendationInput>;
export type RecommendationStatus = RecommendationSummary["status"];
export type RecommendationSource = NonNullable<RecommendationSummary["source"]>;
export type RecommendReport = NonNullable<RecommendationView["report"]>;
export type RecommendationEntry = RecommendReport["recommendations"][number];
export type ResourceEntry = NonNullable<RecommendationEntry["cpu"]>;
/** The usage behind a series' recommendation, in at most 2,000 buckets (mean and peak of each). */
export type UsageView = z.infer<typeof usageView>;
export type Resource = UsageView["resource"];

/*
 * Experiments: the route's schema (src/api/routes/v1/experiments-routes.ts) types steps'
 * measurements and the result as records; their shapes are the runner's.
 */
export type ExperimentStatus = "pending" | "running" | "complete" | "failed" | "interrupted" | "cancelled";
export type { ExperimentResult, StepMeasurements };
export interface ExperimentStepView {
  step: number;
  replicas: number;
  /** Offered arrival rate, jobs/s. */
  load: number;
  status: "running" | "complete" | "failed";
  run_id: number | null;
  started_at: string;
  finished_at: string | null;
  measurements: StepMeasurements | null;
}
export interface ExperimentView {
  id: number;
  name: string;
  status: ExperimentStatus;
  spec: Record<string, unknown>;
  result: ExperimentResult | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  steps?: ExperimentStepView[];
}
export interface ExperimentList {
  items: ExperimentView[];
  next_cursor: string | null;
}

/* Replicas per workload of a Prometheus-sourced recommendation (none for a CSV). */
export type WorkloadEntry = RecommendReport["workloads"][number];
export type WorkloadKind = RecommendationView["options"]["workload_kind"];
