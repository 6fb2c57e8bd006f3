/**
 * The run vocabulary shared by the store, the API and the web client. Kept free of imports so
 * that the browser bundle can use it without pulling in the store's driver code.
 */
export const RUN_STATUSES = ["pending", "running", "completed", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * What made a run: `POST /runs/trigger`, the seed's `POST /benchmark/run`, a schedule, or a
 * step of a load experiment (`environment.experiment_id` names it).
 */
export const RUN_SOURCES = ["trigger", "benchmark_api", "schedule", "experiment"] as const;

/** What `GET /api/v1/runs` can sort by. */
export const RUN_SORTS = [
  "created_at",
  "started_at",
  "duration_s",
  "p95_ms",
  "cost",
  "success_rate",
] as const;
export type RunSort = (typeof RUN_SORTS)[number];
