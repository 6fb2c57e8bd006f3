import type { UsageSeries } from "../../rightsizing/series.js";
import { toGrid } from "../../rightsizing/series.js";
import {
  mergeChunks,
  type PrometheusClient,
  PrometheusError,
  type PrometheusSeries,
  rangeChunks,
} from "./prometheus-client.js";
import type { UsageQueries } from "./usage-queries.js";

export interface CollectOptions {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly stepSeconds: number;
  /** A query returning more series than this is refused rather than recommended blindly. */
  readonly maxSeries?: number;
  /**
   * Also the series replicas are recommended from: all replicas' CPU per container
   * (`workloadCpu`) and, with `requestRate`, the workload's request rate.
   */
  readonly replicas?: { readonly requestRate: boolean } | null | undefined;
}

/** All replicas' CPU per container and the request rate as collected, or why Prometheus refused them. */
export interface ReplicaUsage {
  readonly workloadCpu: UsageSeries[] | { readonly error: string };
  /** Only when collected (a capacity per replica was given). */
  readonly requestRate?: UsageSeries[] | { readonly error: string };
}

export interface CollectedUsage {
  readonly series: UsageSeries[];
  /** OOM kill times (ms) and throttling seen, per container name. */
  readonly oomKillsAt: ReadonlyMap<string, number[]>;
  readonly throttled: ReadonlySet<string>;
  /** Queries that returned nothing (not an error for the optional ones). */
  readonly empty: string[];
  /** With `CollectOptions.replicas`. */
  readonly replicaUsage?: ReplicaUsage;
  /** Replica queries Prometheus refused, by their key, with its message (stored with a collection). */
  readonly failedQueries: FailedQueries;
}

/** The queries a collection runs, by the key its chunks are stored under. */
const USAGE_QUERIES = [
  ["cpu", "cpu"],
  ["memory", "memory"],
  ["oom_kills", "oomKills"],
  ["throttling", "throttling"],
] as const satisfies readonly (readonly [string, keyof UsageQueries])[];

/**
 * The replica queries: a refusal of theirs (a bad PromQL, too many series) costs the replica
 * recommendation, not the collection.
 */
const REPLICA_QUERIES = [
  ["workload_cpu", "workloadCpu"],
  ["request_rate", "requestRate"],
] as const satisfies readonly (readonly [string, keyof UsageQueries])[];

export type CollectedQuery = (typeof USAGE_QUERIES)[number][0] | (typeof REPLICA_QUERIES)[number][0];
type ReplicaQuery = (typeof REPLICA_QUERIES)[number][0];
export type FailedQueries = Readonly<Partial<Record<ReplicaQuery, string>>>;

/** The queries a collection with these options runs, in the order it runs them. */
function collectedQueries(options: CollectOptions) {
  const replicas = REPLICA_QUERIES.filter(
    ([query]) => options.replicas && (query === "workload_cpu" || options.replicas.requestRate),
  );
  return [
    ...USAGE_QUERIES.map(([query, field]) => ({ query, field, optional: false })),
    ...replicas.map(([query, field]) => ({ query, field, optional: true })),
  ];
}

/** Chunks already fetched, by `chunkKey(query, chunk)`. */
export type StoredChunks = ReadonlyMap<string, readonly PrometheusSeries[]>;

export const chunkKey = (query: string, chunk: number) => `${query}#${chunk}`;

export interface ChunkedCollection {
  /** Chunks fetched before (a resumed collection): not fetched again. */
  readonly stored?: StoredChunks;
  /** Called with each chunk as it arrives, before the next is asked for (store it here). */
  readonly onChunk?: (query: CollectedQuery, chunk: number, series: PrometheusSeries[]) => Promise<void>;
  /** Stops between (and during) requests. */
  readonly signal?: AbortSignal;
}

/** How many range requests a collection over this window makes in all. */
export function chunksTotal(options: CollectOptions): number {
  return (
    collectedQueries(options).length *
    rangeChunks(options.startSeconds, options.endSeconds, options.stepSeconds).length
  );
}

/** The container's name in results: `namespace/container`, or every label when those are absent. */
export function seriesName(labels: Readonly<Record<string, string>>): string {
  if (labels.container)
    return labels.namespace ? `${labels.namespace}/${labels.container}` : labels.container;
  const all = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return all.length ? all.join(",") : "(no labels)";
}

const tooMany = (expr: string, count: number, maxSeries: number) =>
  new PrometheusError(
    `the query "${expr}" returned ${count} series, more than ${maxSeries}: narrow it (--namespace, --workload) or raise --max-series`,
    "query",
  );

/**
 * Runs the usage queries over the window and turns their series into usage series on a grid.
 * Each query's range is fetched chunk by chunk (`rangeChunks`); chunks in `collection.stored`
 * are not fetched again, and each new one is handed to `collection.onChunk` as it arrives — so
 * an interrupted collection resumes where it stopped and ends with the same usage.
 */
export async function collectUsage(
  client: PrometheusClient,
  queries: UsageQueries,
  options: CollectOptions,
  collection: ChunkedCollection = {},
): Promise<CollectedUsage> {
  const maxSeries = options.maxSeries ?? 200;
  const chunks = rangeChunks(options.startSeconds, options.endSeconds, options.stepSeconds);
  const fetched = new Map<string, readonly PrometheusSeries[]>(collection.stored ?? []);
  const failed: Partial<Record<ReplicaQuery, string>> = {};
  for (const { query, field, optional } of collectedQueries(options)) {
    const expr = queries[field];
    try {
      if (expr === undefined) throw new PrometheusError(`no ${field} query was given`, "query");
      for (const [index, chunk] of chunks.entries()) {
        const key = chunkKey(query, index);
        if (fetched.has(key)) continue;
        collection.signal?.throwIfAborted();
        const series = await client.queryRangeChunk(expr, chunk, options.stepSeconds, collection.signal);
        // One chunk over the limit is enough to refuse: the rest need not be fetched.
        if (series.length > maxSeries) throw tooMany(expr, series.length, maxSeries);
        await collection.onChunk?.(query, index, series);
        fetched.set(key, series);
      }
    } catch (error) {
      // An unreachable (or forbidden) Prometheus fails the collection, to be resumed; a refused
      // replica query is that query's answer.
      const refused =
        error instanceof PrometheusError && (error.kind === "query" || error.kind === "response");
      if (!optional || !refused || collection.signal?.aborted) throw error;
      failed[query as ReplicaQuery] = error.message;
    }
  }
  return assembleUsage(
    queries,
    options,
    (query) => chunks.map((_, index) => fetched.get(chunkKey(query, index)) ?? []),
    failed,
  );
}

/**
 * The usage a collection's chunks make: each query's chunks merged per label set, refused when
 * over `maxSeries`, CPU and memory placed on the step's grid, OOM kills and throttling per container.
 */
export function assembleUsage(
  queries: UsageQueries,
  options: CollectOptions,
  chunksOf: (query: CollectedQuery) => readonly (readonly PrometheusSeries[])[],
  failedQueries: FailedQueries = {},
): CollectedUsage {
  const maxSeries = options.maxSeries ?? 200;
  const range = (query: CollectedQuery, field: keyof UsageQueries) => {
    const result = mergeChunks(chunksOf(query));
    if (result.length > maxSeries) throw tooMany(queries[field] as string, result.length, maxSeries);
    return result;
  };
  const empty: string[] = [];
  const toSeries = (result: PrometheusSeries[], resource: "cpu" | "memory") =>
    result.map((s) => ({
      name: seriesName(s.labels),
      resource,
      ...toGrid(
        s.times.map((t) => t * 1000),
        s.values,
        options.stepSeconds * 1000,
      ),
    }));
  const cpu = range("cpu", "cpu");
  if (cpu.length === 0) empty.push(queries.cpu);
  const memory = range("memory", "memory");
  if (memory.length === 0) empty.push(queries.memory);
  const oomKillsAt = new Map<string, number[]>();
  for (const s of range("oom_kills", "oomKills"))
    oomKillsAt.set(
      seriesName(s.labels),
      s.times.filter((_, i) => (s.values[i] as number) > 0).map((t) => t * 1000),
    );
  const throttled = new Set<string>();
  for (const s of range("throttling", "throttling"))
    if (s.values.some((v) => v > 0.25)) throttled.add(seriesName(s.labels));
  const replicaSeries = (query: ReplicaQuery, field: keyof UsageQueries) => {
    const error = failedQueries[query];
    if (error !== undefined) return { error };
    const result = mergeChunks(chunksOf(query));
    if (result.length > maxSeries)
      return { error: tooMany(queries[field] as string, result.length, maxSeries).message };
    return toSeries(result, "cpu");
  };
  const replicas = options.replicas;
  const replicaUsage: ReplicaUsage | undefined = replicas
    ? {
        workloadCpu: replicaSeries("workload_cpu", "workloadCpu"),
        ...(replicas.requestRate ? { requestRate: replicaSeries("request_rate", "requestRate") } : {}),
      }
    : undefined;
  return {
    series: [...toSeries(cpu, "cpu"), ...toSeries(memory, "memory")],
    oomKillsAt,
    throttled,
    empty,
    ...(replicaUsage ? { replicaUsage } : {}),
    failedQueries: { ...failedQueries },
  };
}
