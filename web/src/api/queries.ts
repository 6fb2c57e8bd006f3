import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { storedKey } from "./api-key.js";
import { api, apiUrl } from "./client.js";
import { takeEarly } from "./early-fetch.js";
import type {
  AutomationView,
  AutomationWrite,
  ComparisonView,
  DashboardView,
  ExperimentList,
  ExperimentStatus,
  ExperimentView,
  RecommendationList,
  RecommendationStatus,
  RecommendationSummary,
  RecommendationView,
  RecommendationWrite,
  Resource,
  RunList,
  RunSort,
  RunStatus,
  RunView,
  ScenarioView,
  ScenarioWrite,
  ScheduleView,
  ScheduleWrite,
  SessionView,
  UsageView,
} from "./types.js";

/** Query keys: one tree per resource, so a mutation invalidates what it changed. */
export const keys = {
  automations: ["automations"] as const,
  scenarios: ["scenarios"] as const,
  schedules: ["schedules"] as const,
  runs: ["runs"] as const,
  run: (id: number) => ["runs", "one", id] as const,
  runList: (filter: RunFilter) => ["runs", "list", filter] as const,
  kpis: (window: KpiWindow) => ["runs", "kpis", window] as const,
  compare: (id: number, baseline: number | null) => ["runs", "compare", id, baseline] as const,
  cronPreview: (cron: string, timezone: string) => ["schedules", "preview", cron, timezone] as const,
};

const FINISHED = new Set<RunStatus>(["completed", "failed", "cancelled"]);
export const isFinished = (status: RunStatus) => FINISHED.has(status);

/** How often lists showing unfinished runs poll for their status (the Runs page is live). */
const LIVE_POLL_MS = 1000;

export interface KpiWindow {
  from?: string | undefined;
  scenario_id?: number | undefined;
}

export function useDashboard(window: KpiWindow) {
  return useQuery({
    queryKey: keys.kpis(window),
    queryFn: ({ signal }) =>
      takeEarly<DashboardView>(apiUrl("/runs/kpis/dashboard", { ...window })) ??
      api.get<DashboardView>("/runs/kpis/dashboard", { ...window }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.recent_runs.some((r) => !isFinished(r.status)) ? LIVE_POLL_MS * 2 : 10_000,
  });
}

export interface RunFilter {
  status?: RunStatus | undefined;
  scenario_id?: number | undefined;
  sort: RunSort;
  order: "asc" | "desc";
  limit: number;
  cursor?: string | undefined;
}

export function useRunList(filter: RunFilter) {
  return useQuery({
    queryKey: keys.runList(filter),
    queryFn: ({ signal }) => api.get<RunList>("/runs", { ...filter }, signal),
    placeholderData: keepPreviousData,
    // Live without reloading: poll while any run shown is unfinished, slowly otherwise (new runs).
    refetchInterval: (query) =>
      query.state.data?.items.some((r) => !isFinished(r.status)) ? LIVE_POLL_MS : 5000,
  });
}

export function useRun(id: number) {
  return useQuery({
    queryKey: keys.run(id),
    queryFn: ({ signal }) => api.get<RunView>(`/runs/${id}`, {}, signal),
  });
}

/** Completed runs of a scenario, newest first: the candidates to compare with. */
export function useScenarioRuns(scenarioId: number | null) {
  return useQuery({
    queryKey: [...keys.runs, "of-scenario", scenarioId],
    enabled: scenarioId !== null,
    queryFn: ({ signal }) =>
      api.get<RunList>("/runs", { scenario_id: scenarioId, status: "completed", limit: 50 }, signal),
  });
}

export function useComparison(id: number, baseline: number | null, enabled: boolean) {
  return useQuery({
    queryKey: keys.compare(id, baseline),
    enabled,
    retry: false,
    queryFn: ({ signal }) => api.get<ComparisonView>(`/runs/${id}/compare`, { baseline }, signal),
  });
}

export function useAutomations() {
  return useQuery({
    queryKey: keys.automations,
    queryFn: ({ signal }) => api.get<{ items: AutomationView[] }>("/automations", {}, signal),
    select: (data) => data.items,
  });
}

export function useScenarios() {
  return useQuery({
    queryKey: keys.scenarios,
    queryFn: ({ signal }) => api.get<{ items: ScenarioView[] }>("/scenarios", {}, signal),
    select: (data) => data.items,
  });
}

export function useSchedules() {
  return useQuery({
    queryKey: keys.schedules,
    queryFn: ({ signal }) => api.get<{ items: ScheduleView[] }>("/schedules", {}, signal),
    select: (data) => data.items,
    refetchInterval: 15_000,
  });
}

export function useCronPreview(cron: string, timezone: string) {
  return useQuery({
    queryKey: keys.cronPreview(cron, timezone),
    enabled: cron.trim().length > 0,
    retry: false,
    queryFn: ({ signal }) =>
      api.get<{ fire_times: string[] }>("/schedules/preview", { cron, timezone, count: 5 }, signal),
  });
}

/** Create or replace (`id` given) a resource, then refresh its list. */
function useSave<Body, View>(path: string, key: readonly string[]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: number | undefined; body: Body }) =>
      id === undefined ? api.post<View>(path, body) : api.put<View>(`${path}/${id}`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

function useRemove(path: string, key: readonly string[]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, query }: { id: number; query?: Record<string, string> }) =>
      api.delete(`${path}/${id}`, query),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
}

export const useSaveAutomation = () =>
  useSave<AutomationWrite, AutomationView>("/automations", keys.automations);
export const useSaveScenario = () => useSave<ScenarioWrite, ScenarioView>("/scenarios", keys.scenarios);
export const useSaveSchedule = () => useSave<ScheduleWrite, ScheduleView>("/schedules", keys.schedules);
export const useDeleteAutomation = () => useRemove("/automations", keys.automations);
export const useDeleteScenario = () => useRemove("/scenarios", keys.scenarios);
export const useDeleteSchedule = () => useRemove("/schedules", keys.schedules);

export function useTrigger() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (scenarioId: number) => api.post<RunView>("/runs/trigger", { scenario_id: scenarioId }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.runs }),
  });
}

export function useCancelRun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.post<RunView>(`/runs/${id}/cancel`),
    onSuccess: (_run, id) => client.invalidateQueries({ queryKey: keys.run(id) }),
  });
}

export function usePinBaseline() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ scenarioId, runId }: { scenarioId: number; runId: number | null }) =>
      api.put<ScenarioView>(`/scenarios/${scenarioId}/baseline`, { run_id: runId }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.scenarios }),
  });
}

/** The signed-in session (the same query SessionGate made, so it comes from the cache). */
export function useSession() {
  return useQuery({
    queryKey: ["session", storedKey()],
    queryFn: () => api.get<SessionView>("/session"),
    retry: false,
    staleTime: 60_000,
  });
}

/* Rightsizing: recommendations and experiments. */
const rightsizingKeys = {
  recommendations: ["recommendations"] as const,
  recommendationList: (cursor: string | undefined) => ["recommendations", "list", cursor] as const,
  recommendation: (id: number) => ["recommendations", "one", id] as const,
  usage: (id: number, series: string, resource: Resource) =>
    ["recommendations", "usage", id, series, resource] as const,
  experiments: ["experiments"] as const,
  experiment: (id: number) => ["experiments", "one", id] as const,
};

const isRecommendationRunning = (status: RecommendationStatus) => status === "running";

export function useRecommendationList(cursor: string | undefined, limit = 20) {
  return useQuery({
    queryKey: rightsizingKeys.recommendationList(cursor),
    queryFn: ({ signal }) => api.get<RecommendationList>("/recommendations", { limit, cursor }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.items.some((r) => isRecommendationRunning(r.status)) ? LIVE_POLL_MS : 10_000,
  });
}

/** One recommendation with its report; polled every second while it is running. */
export function useRecommendation(id: number) {
  return useQuery({
    queryKey: rightsizingKeys.recommendation(id),
    queryFn: ({ signal }) => api.get<RecommendationView>(`/recommendations/${id}`, {}, signal),
    refetchInterval: (query) =>
      query.state.data && isRecommendationRunning(query.state.data.status) ? LIVE_POLL_MS : false,
  });
}

/** The usage history of one series and resource (fetched once the report names the series). */
export function useRecommendationUsage(id: number, series: string, resource: Resource, enabled: boolean) {
  return useQuery({
    queryKey: rightsizingKeys.usage(id, series, resource),
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: ({ signal }) => api.get<UsageView>(`/recommendations/${id}/usage`, { series, resource }, signal),
  });
}

export function useCreateRecommendation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: RecommendationWrite) => api.post<RecommendationSummary>("/recommendations", body),
    onSuccess: () => client.invalidateQueries({ queryKey: rightsizingKeys.recommendations }),
  });
}

const EXPERIMENT_DONE = new Set<ExperimentStatus>(["complete", "failed", "interrupted", "cancelled"]);
const isExperimentDone = (status: ExperimentStatus) => EXPERIMENT_DONE.has(status);

export function useExperimentList(cursor: string | undefined, limit = 20) {
  return useQuery({
    queryKey: [...rightsizingKeys.experiments, "list", cursor],
    queryFn: ({ signal }) => api.get<ExperimentList>("/experiments", { limit, cursor }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.items.some((e) => !isExperimentDone(e.status)) ? LIVE_POLL_MS * 2 : 10_000,
  });
}

/** One experiment with its steps; polled while it is pending or running (a step lasts seconds). */
export function useExperiment(id: number) {
  return useQuery({
    queryKey: rightsizingKeys.experiment(id),
    queryFn: ({ signal }) => api.get<ExperimentView>(`/experiments/${id}`, {}, signal),
    refetchInterval: (query) =>
      query.state.data && !isExperimentDone(query.state.data.status) ? LIVE_POLL_MS * 2 : false,
  });
}
