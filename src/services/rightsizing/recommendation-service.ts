import { basename } from "node:path";
import { performance } from "node:perf_hooks";
import { MAX_POINTS_PER_SERIES, type RecommendationInput } from "../../contracts/recommendation.js";
import type { FieldError } from "../../engine/index.js";
import { DEFAULT_MODELS, type ModelName } from "../../rightsizing/models/index.js";
import type { RecommendationWithCollection, RightsizingRepo } from "../../store/rightsizing-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import type { RightsizingMetrics } from "../../telemetry/rightsizing-metrics.js";
import type { CollectionService, CollectionSource } from "./collection-service.js";
import { recommendUsage } from "./recommend-usage.js";
import { buildReport, type RecommendReport } from "./report.js";

/** What a recommendation was asked with, as stored in its `options`. */
export interface RecommendationOptions {
  name: string;
  models: ModelName[];
  quantile: number;
}

export interface RecommendationServiceDeps {
  repo: RightsizingRepo;
  collections: CollectionService;
  metrics: RightsizingMetrics;
  logger: Logger;
  /** Throws when the server may not call this URL (SSRF policy), naming why. */
  checkUrl: (url: string) => Promise<void>;
  /** Worker threads a recommendation's series are fitted on. */
  threads: number;
  now?: () => Date;
}

export type CreateResult = { recommendation: RecommendationWithCollection } | { problems: FieldError[] };

const DEFAULT_QUANTILE = 0.97;

/**
 * Recommendations made in the background from a usage collection — a CSV upload, or a
 * Prometheus collection made first — through the same pipeline and report as `aurea recommend
 * --json`. One is fitted at a time (collections run side by side). `running` survives a
 * restart: it is made again from its stored collection, nothing fetched twice.
 */
export class RecommendationService {
  readonly #d: RecommendationServiceDeps;
  readonly #now: () => Date;
  readonly #tasks = new Map<number, Promise<void>>();
  readonly #stop = new AbortController();
  /** The fitting of one recommendation after another. */
  #fitting: Promise<unknown> = Promise.resolve();

  constructor(deps: RecommendationServiceDeps) {
    this.#d = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /** Stores the collection and the recommendation (`running`) and starts them; or says what is wrong. */
  async create(input: RecommendationInput, apiKeyId: number | null = null): Promise<CreateResult> {
    const { repo, collections } = this.#d;
    const source = input.source;
    const options: RecommendationOptions = {
      name:
        input.name ??
        (source.kind === "csv"
          ? basename(source.file).replace(/\.csv$/i, "")
          : source.workload
            ? `${source.namespace}/${source.workload}`
            : source.namespace),
      models: [...(input.options.models ?? DEFAULT_MODELS)],
      quantile: input.options.quantile ?? DEFAULT_QUANTILE,
    };
    let collectionId: number;
    if (source.kind === "csv") {
      const created = await collections.createCsv({
        name: options.name,
        file: source.file,
        text: source.csv,
        apiKeyId,
      });
      if ("refused" in created)
        return {
          problems: [{ field: "source.csv", rule: created.refused.rule, message: created.refused.message }],
        };
      collectionId = created.collection.id;
    } else {
      const points = Math.floor((source.days * 86_400) / source.step_seconds) + 1;
      if (points > MAX_POINTS_PER_SERIES)
        return {
          problems: [
            {
              field: "source.step_seconds",
              rule: "max_points",
              message: `${source.days} days at ${source.step_seconds} s are ${points} points per series, more than ${MAX_POINTS_PER_SERIES}: use a longer step or fewer days`,
            },
          ],
        };
      const refusal = await this.#urlRefusal(source.url);
      if (refusal) return { problems: [refusal] };
      const collection = await collections.createPrometheus({
        name: options.name,
        url: source.url,
        namespace: source.namespace,
        workload: source.workload,
        days: source.days,
        stepSeconds: source.step_seconds,
        apiKeyId,
      });
      collectionId = collection.id;
    }
    const row = await repo.createRecommendation({
      collectionId,
      options: options as unknown as Record<string, unknown>,
      apiKeyId,
    });
    this.#start(row.id);
    return { recommendation: (await repo.getRecommendation(row.id)) as RecommendationWithCollection };
  }

  /** At start-up, when this process is the only one: every recommendation left running is made again. */
  async recover(): Promise<number> {
    const left = await this.#d.repo.running();
    for (const row of left) this.#start(row.id);
    return left.length;
  }

  /** The per-series gauges from the latest finished recommendations (a restart does not blank Grafana). */
  async primeMetrics(count = 50): Promise<void> {
    for (const row of await this.#d.repo.latestFinished(count))
      if (row.result) this.#d.metrics.report(row.result as unknown as RecommendReport);
  }

  /** Stops waiting for recommendations in progress: they stay `running`, to be made again at the next start. */
  async close(): Promise<void> {
    this.#stop.abort();
    await Promise.allSettled([...this.#tasks.values()]);
  }

  async #urlRefusal(url: string): Promise<FieldError | undefined> {
    try {
      await this.#d.checkUrl(url);
      return undefined;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = error instanceof Error ? error.message : String(error);
      if (code === "ssrf_blocked" || code === "invalid_url")
        return { field: "source.url", rule: code, message };
      return {
        field: "source.url",
        rule: "resolvable",
        message: `cannot resolve the host of ${new URL(url).host} (${code ?? message})`,
      };
    }
  }

  #start(id: number): void {
    if (this.#tasks.has(id)) return;
    const task = this.#execute(id)
      .catch((error: unknown) =>
        this.#d.logger.error({ recommendation_id: id, err: error }, "recommendation failed"),
      )
      .finally(() => this.#tasks.delete(id));
    this.#tasks.set(id, task);
  }

  async #execute(id: number): Promise<void> {
    const { repo, collections, metrics, logger } = this.#d;
    const signal = this.#stop.signal;
    const started = performance.now();
    const finish = async (
      status: "complete" | "partial" | "failed",
      values: { result?: RecommendReport; error?: string },
    ) => {
      if (signal.aborted) return;
      const done = await repo.finishRecommendation(id, {
        status,
        result: (values.result as unknown as Record<string, unknown>) ?? null,
        error: values.error ?? null,
      });
      if (!done) return;
      metrics.recommendationFinished(status, (performance.now() - started) / 1000);
      if (values.result && status !== "failed") metrics.report(values.result);
    };
    const row = await repo.getRecommendation(id);
    if (row?.status !== "running") return;
    if (row.collectionId === null) return finish("failed", { error: "its usage collection was deleted" });
    const collection = await collections.collect(row.collectionId);
    if (signal.aborted) return;
    if (!collection) return finish("failed", { error: "its usage collection was deleted" });
    if (collection.status === "failed")
      return finish("failed", { error: collection.error ?? "the usage collection failed" });
    // Interrupted by a shutdown: it stays running and resumes with its collection.
    if (collection.status !== "complete") return;
    const usage = await collections.usage(collection.id);
    if (!usage) return;
    const source = collection.source as unknown as CollectionSource;
    if (usage.series.length === 0) {
      const where =
        source.kind === "prometheus"
          ? `namespace "${source.namespace}"${source.workload ? ` and workload "${source.workload}"` : ""}`
          : "the CSV";
      return finish("failed", {
        error: `Prometheus has no container usage for ${where} from ${collection.windowStart.toISOString()} to ${collection.windowEnd.toISOString()} (${usage.empty.map((q) => `no series for ${q}`).join("; ")})`,
      });
    }
    const options = row.options as unknown as RecommendationOptions;
    const fitted = this.#fitting.then(async () => {
      if (signal.aborted) return undefined;
      return recommendUsage(usage, {
        models: options.models,
        quantile: options.quantile,
        threads: this.#d.threads,
      });
    });
    this.#fitting = fitted.catch(() => {});
    const stopped = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    let results: Awaited<typeof fitted>;
    try {
      results = await Promise.race([fitted, stopped]);
    } catch (error) {
      logger.error({ recommendation_id: id, err: error }, "recommendation pipeline failed");
      return finish("failed", {
        error: `the recommendation pipeline failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (!results || signal.aborted) return;
    const label = source.kind === "csv" ? `csv:${source.file}` : `prometheus:${source.url}`;
    const report = buildReport(label, this.#now(), results, usage.problems);
    if (report.recommendations.length === 0)
      return finish("failed", {
        result: report,
        error: `no series could be recommended: ${report.errors
          .slice(0, 3)
          .map((e) => `${e.name} (${e.resource}): ${e.message}`)
          .join("; ")}${report.errors.length > 3 ? `; … and ${report.errors.length - 3} more` : ""}`,
      });
    return finish(report.errors.length > 0 ? "partial" : "complete", { result: report });
  }
}
