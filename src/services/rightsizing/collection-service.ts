import { basename } from "node:path";
import { CsvFormatError, type CsvProblem, parseUsageCsv } from "../../rightsizing/csv.js";
import { presentCount, toGrid, type UsageSeries } from "../../rightsizing/series.js";
import type { CollectionRow, Page, RightsizingRepo } from "../../store/rightsizing-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import type { RightsizingMetrics } from "../../telemetry/rightsizing-metrics.js";
import type { TaskLeases } from "../task-leases.js";
import {
  assembleUsage,
  type CollectedUsage,
  type CollectOptions,
  chunkKey,
  chunksTotal,
  collectUsage,
  type FailedQueries,
} from "./collect-usage.js";
import { type PrometheusClient, PrometheusError, rangeChunks } from "./prometheus-client.js";
import { fromStored, toStored } from "./stored-series.js";
import { standardQueries, type UsageQueries } from "./usage-queries.js";

/** A Prometheus collection's source as stored: what a resumed collection needs to ask the same again. */
export interface PrometheusSource {
  kind: "prometheus";
  url: string;
  namespace: string;
  workload: string | null;
  days: number;
  stepSeconds: number;
  maxSeries: number;
  queries: UsageQueries;
  /**
   * Whether the replica queries are collected too (all replicas' CPU, and the request rate with
   * `requestRate`); absent in collections made before there were any.
   */
  replicas?: { requestRate: boolean } | null;
}

/** A CSV upload's source: its one chunk holds the parsed series on the grid of `stepMs`. */
export interface CsvSource {
  kind: "csv";
  file: string;
  stepMs: number;
}

export type CollectionSource = PrometheusSource | CsvSource;

/** What a collection holds, assembled from its chunks: the same whether it was interrupted or not. */
export interface StoredUsage extends CollectedUsage {
  /** CSV rows skipped, by line. */
  readonly problems: CsvProblem[];
}

export interface NewPrometheusCollection {
  name: string;
  url: string;
  namespace: string;
  workload?: string | undefined;
  days: number;
  stepSeconds: number;
  maxSeries?: number;
  /** The standard queries for the namespace and workload unless given. */
  queries?: UsageQueries;
  /** Also collect what replicas are recommended from (`CollectOptions.replicas`). */
  replicas?: { requestRate: boolean } | null;
  /** Replaces the standard request-rate query (with `replicas.requestRate`). */
  requestRateQuery?: string | undefined;
  /** Context kept with it (the seed's JSON metadata: experiment, step, replicas, …). */
  metadata?: Record<string, unknown>;
  apiKeyId?: number | null;
}

/** Why a CSV upload was refused, for the field that holds it. */
export interface CsvRefusal {
  rule: "csv_header" | "csv_rows";
  message: string;
}

export interface CollectionServiceDeps {
  repo: RightsizingRepo;
  /** A client for a Prometheus URL (the server's: through the SSRF guard). */
  clientFor: (url: string) => PrometheusClient;
  metrics: RightsizingMetrics;
  logger: Logger;
  /** With several processes on one store: a collection is collected only under its lease. */
  leases?: TaskLeases | undefined;
  now?: () => Date;
}

/** The CSV's one chunk is stored under this query name. */
const CSV_QUERY = "csv";
/** Assembled usage of complete collections kept in memory (the usage route reads one series at a time). */
const CACHED_USAGE = 4;

/**
 * Usage collections: a Prometheus collection fixes its window and step when created, stores
 * every range chunk of every query as it arrives (`progress.chunksDone` of `chunksTotal`), and,
 * when interrupted (shutdown, a killed process), resumes without asking again for the chunks it
 * has. A CSV upload is a collection of one chunk.
 */
export class CollectionService {
  readonly #d: CollectionServiceDeps;
  readonly #now: () => Date;
  readonly #active = new Map<
    number,
    { controller: AbortController; done: Promise<CollectionRow | undefined> }
  >();
  readonly #usage = new Map<number, StoredUsage>();

  constructor(deps: CollectionServiceDeps) {
    this.#d = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Records a Prometheus collection over the last `days` (ending at the last whole step); not started. */
  createPrometheus(input: NewPrometheusCollection): Promise<CollectionRow> {
    const step = input.stepSeconds;
    const end = Math.floor(this.#now().getTime() / 1000 / step) * step;
    const start = end - Math.floor((input.days * 86_400) / step) * step;
    const replicas = input.replicas ?? null;
    // Only the queries that will be run are stored (the metadata shows them as the PromQL run).
    const { workloadCpu, requestRate, ...usage } =
      input.queries ??
      standardQueries(input.namespace, input.workload, { requestRate: input.requestRateQuery });
    const queries: UsageQueries = {
      ...usage,
      ...(replicas && workloadCpu !== undefined ? { workloadCpu } : {}),
      ...(replicas?.requestRate && requestRate !== undefined ? { requestRate } : {}),
    };
    const source: PrometheusSource = {
      kind: "prometheus",
      url: input.url,
      namespace: input.namespace,
      workload: input.workload ?? null,
      days: input.days,
      stepSeconds: step,
      maxSeries: input.maxSeries ?? 200,
      queries,
      replicas,
    };
    return this.#d.repo.createCollection({
      name: input.name,
      source: source as unknown as Record<string, unknown>,
      windowStart: new Date(start * 1000),
      windowEnd: new Date(end * 1000),
      progress: {
        chunksDone: 0,
        chunksTotal: chunksTotal({ startSeconds: start, endSeconds: end, stepSeconds: step, replicas }),
      },
      metadata: input.metadata ?? {},
      apiKeyId: input.apiKeyId ?? null,
    });
  }

  /**
   * Stores a CSV upload as a complete collection (its series on their grid in one chunk, the
   * skipped rows in its metadata), or says why the text cannot be read.
   */
  async createCsv(input: {
    name: string;
    file: string;
    text: string;
    metadata?: Record<string, unknown>;
    apiKeyId?: number | null;
  }): Promise<{ collection: CollectionRow } | { refused: CsvRefusal }> {
    let parsed: ReturnType<typeof parseUsageCsv>;
    try {
      parsed = parseUsageCsv(input.text, basename(input.file).replace(/\.csv$/i, ""));
    } catch (error) {
      if (error instanceof CsvFormatError) return { refused: { rule: "csv_header", message: error.message } };
      throw error;
    }
    const { series, problems, rows } = parsed;
    if (rows === 0) return { refused: { rule: "csv_rows", message: "the CSV has a header but no rows" } };
    if (problems.length === rows)
      return {
        refused: {
          rule: "csv_rows",
          message: `none of the ${rows} rows could be read (line ${problems[0]?.line}: ${problems[0]?.reason})`,
        },
      };
    const first = series[0] as UsageSeries;
    const endMs = first.startMs + (first.values.length - 1) * first.stepMs;
    const source: CsvSource = { kind: "csv", file: input.file, stepMs: first.stepMs };
    const collection = await this.#d.repo.createCollection({
      name: input.name,
      source: source as unknown as Record<string, unknown>,
      windowStart: new Date(first.startMs),
      windowEnd: new Date(endMs),
      progress: { chunksDone: 0, chunksTotal: 1 },
      metadata: { ...input.metadata, csv: { file: input.file, rows, skipped: problems.length }, problems },
      apiKeyId: input.apiKeyId ?? null,
    });
    const stored = toStored(
      series.map((s) => ({
        labels: { name: s.name, resource: s.resource },
        times: Array.from(s.values, (_, i) => (s.startMs + i * s.stepMs) / 1000),
        values: Array.from(s.values),
      })),
    );
    await this.#d.repo.saveChunk(collection.id, CSV_QUERY, 0, stored);
    this.#d.metrics.pointsCollected(series.reduce((n, s) => n + presentCount(s.values), 0));
    const done = await this.#d.repo.finishCollection(collection.id, "complete", {
      metadata: { series: summarize(series) },
    });
    this.#d.metrics.collectionEnded("complete");
    return { collection: done ?? collection };
  }

  get(id: number): Promise<CollectionRow | undefined> {
    return this.#d.repo.getCollection(id);
  }

  list(page: Page): Promise<{ rows: CollectionRow[]; next: Page["after"] }> {
    return this.#d.repo.listCollections(page);
  }

  /** Whether this process is collecting `id` right now. */
  isActive(id: number): boolean {
    return this.#active.has(id);
  }

  /** Collects in the background (see `collect`); failures are recorded on the collection. */
  start(id: number): void {
    void this.collect(id).catch((error: unknown) =>
      this.#d.logger.error({ collection_id: id, err: error }, "collection failed"),
    );
  }

  /**
   * Runs collection `id` to its end (or joins the run in progress): one left `collecting` or
   * `interrupted` is resumed. Answers the collection as it ended; a complete or failed one as it is.
   */
  async collect(id: number): Promise<CollectionRow | undefined> {
    const running = this.#active.get(id);
    if (running) return running.done;
    const row = await this.#d.repo.getCollection(id);
    if (!row || row.status === "complete" || row.status === "failed") return row;
    return this.#active.get(id)?.done ?? this.#run(id, ["collecting", "interrupted"]);
  }

  /** `POST …/resume`: an interrupted or failed collection (or one left collecting) collects again. */
  async resume(
    id: number,
  ): Promise<{ collection: CollectionRow } | { problem: "no_collection" | "complete" | "collecting" }> {
    const row = await this.#d.repo.getCollection(id);
    if (!row) return { problem: "no_collection" };
    if (row.status === "complete") return { problem: "complete" };
    if (this.#active.has(id)) return { problem: "collecting" };
    void this.#run(id, ["collecting", "interrupted", "failed"]).catch((error: unknown) =>
      this.#d.logger.error({ collection_id: id, err: error }, "collection failed"),
    );
    return { collection: { ...row, status: "collecting", error: null, finishedAt: null } };
  }

  /**
   * Every collection left collecting or interrupted resumes: at start-up when this process is the
   * only one; with others on the store (leases), those whose lease is free or ran out — called
   * again now and then, for processes that die later.
   */
  async recover(): Promise<number> {
    const left = await this.#d.repo.collectionsIn(["collecting", "interrupted"]);
    let resumed = 0;
    for (const row of left) {
      if (this.#active.has(row.id) || (this.#d.leases && !(await this.#d.leases.take(row.id)))) continue;
      this.start(row.id);
      resumed++;
    }
    return resumed;
  }

  /** The usage a complete collection holds, assembled from its chunks (undefined until complete). */
  async usage(id: number): Promise<StoredUsage | undefined> {
    const cached = this.#usage.get(id);
    if (cached) return cached;
    const row = await this.#d.repo.getCollection(id);
    if (row?.status !== "complete") return undefined;
    const chunks = await this.#d.repo.chunks(id);
    const source = row.source as unknown as CollectionSource;
    const byKey = new Map(chunks.map((c) => [chunkKey(c.query, c.chunk), fromStored(c.series)]));
    const usage =
      source.kind === "csv"
        ? csvUsage(source, byKey.get(chunkKey(CSV_QUERY, 0)) ?? [], row.metadata)
        : {
            ...assembleUsage(
              source.queries,
              collectOptions(row, source),
              (query) =>
                rangeChunks(
                  row.windowStart.getTime() / 1000,
                  row.windowEnd.getTime() / 1000,
                  source.stepSeconds,
                ).map((_, i) => byKey.get(chunkKey(query, i)) ?? []),
              (row.metadata.failed_queries as FailedQueries | undefined) ?? {},
            ),
            problems: [],
          };
    this.#remember(id, usage);
    return usage;
  }

  /** Stops every collection in progress: each is recorded as interrupted, to resume at the next start. */
  async close(): Promise<void> {
    const running = [...this.#active.values()];
    for (const r of running) r.controller.abort();
    await Promise.allSettled(running.map((r) => r.done));
  }

  /** Claims collection `id` from one of `from` and collects it; registered before the first await. */
  #run(id: number, from: CollectionRow["status"][]): Promise<CollectionRow | undefined> {
    const controller = new AbortController();
    const done = (async () => {
      const { repo, leases } = this.#d;
      // Another live process collects it: answer it as it is now.
      if (leases && !(await leases.take(id))) return repo.getCollection(id);
      const lease = { lost: false };
      const release = leases?.hold(id, () => {
        lease.lost = true;
        controller.abort();
      });
      try {
        const claimed = await repo.claimCollection(id, from);
        if (!claimed) return repo.getCollection(id);
        return await this.#collect(claimed, controller.signal, lease);
      } finally {
        await release?.();
      }
    })().finally(() => this.#active.delete(id));
    this.#active.set(id, { controller, done });
    return done;
  }

  async #collect(
    row: CollectionRow,
    signal: AbortSignal,
    lease: { lost: boolean },
  ): Promise<CollectionRow | undefined> {
    const { repo, metrics, logger } = this.#d;
    const source = row.source as unknown as CollectionSource;
    if (source.kind === "csv") {
      // Interrupted between its insert and its chunk: the text is gone, nothing to resume from.
      const stored = (await repo.chunks(row.id)).length > 0;
      const status = stored ? "complete" : "failed";
      metrics.collectionEnded(status);
      return repo.finishCollection(row.id, status, {
        error: stored ? null : "the upload was interrupted before its CSV was stored; upload it again",
      });
    }
    const stored = new Map(
      (await repo.chunks(row.id)).map((c) => [chunkKey(c.query, c.chunk), fromStored(c.series)]),
    );
    try {
      const usage = await collectUsage(
        this.#d.clientFor(source.url),
        source.queries,
        collectOptions(row, source),
        {
          stored,
          signal,
          onChunk: async (query, chunk, series) => {
            await repo.saveChunk(row.id, query, chunk, toStored(series));
            metrics.pointsCollected(series.reduce((n, s) => n + s.times.length, 0));
          },
        },
      );
      const finished = await repo.finishCollection(row.id, "complete", {
        metadata: {
          series: summarize(usage.series),
          empty_queries: usage.empty,
          ...(Object.keys(usage.failedQueries).length > 0 ? { failed_queries: usage.failedQueries } : {}),
        },
      });
      this.#remember(row.id, { ...usage, problems: [] });
      metrics.collectionEnded("complete");
      return finished;
    } catch (error) {
      // Taken over by another process (this one could not renew its lease): it records the end.
      if (lease.lost) return repo.getCollection(row.id);
      if (signal.aborted) {
        metrics.collectionEnded("interrupted");
        return repo.finishCollection(row.id, "interrupted");
      }
      if (!(error instanceof PrometheusError))
        logger.error({ collection_id: row.id, err: error }, "collection failed unexpectedly");
      metrics.collectionEnded("failed");
      return repo.finishCollection(row.id, "failed", {
        error: error instanceof PrometheusError ? error.message : "collection failed; see the server log",
      });
    }
  }

  #remember(id: number, usage: StoredUsage): void {
    this.#usage.delete(id);
    this.#usage.set(id, usage);
    if (this.#usage.size > CACHED_USAGE) this.#usage.delete(this.#usage.keys().next().value as number);
  }
}

function collectOptions(row: CollectionRow, source: PrometheusSource): CollectOptions {
  return {
    startSeconds: row.windowStart.getTime() / 1000,
    endSeconds: row.windowEnd.getTime() / 1000,
    stepSeconds: source.stepSeconds,
    maxSeries: source.maxSeries,
    replicas: source.replicas ?? null,
  };
}

function csvUsage(
  source: CsvSource,
  stored: ReturnType<typeof fromStored>,
  metadata: Record<string, unknown>,
): StoredUsage {
  const series = stored.map((s) => ({
    name: s.labels.name as string,
    resource: s.labels.resource === "memory" ? ("memory" as const) : ("cpu" as const),
    ...toGrid(
      s.times.map((t) => Math.round(t * 1000)),
      s.values,
      source.stepMs,
    ),
  }));
  return {
    series,
    oomKillsAt: new Map(),
    throttled: new Set(),
    empty: [],
    failedQueries: {},
    problems: (metadata.problems as CsvProblem[] | undefined) ?? [],
  };
}

/** Per series, for the metadata: where it starts and ends, its step, how much of it is there. */
function summarize(series: readonly UsageSeries[]) {
  return series.map((s) => ({
    name: s.name,
    resource: s.resource,
    start: new Date(s.startMs).toISOString(),
    end: new Date(s.startMs + Math.max(0, s.values.length - 1) * s.stepMs).toISOString(),
    step_ms: s.stepMs,
    points: s.values.length,
    missing_share: s.values.length ? 1 - presentCount(s.values) / s.values.length : 1,
  }));
}
