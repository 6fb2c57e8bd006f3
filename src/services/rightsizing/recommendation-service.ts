import { basename } from "node:path";
import { performance } from "node:perf_hooks";
import { MAX_POINTS_PER_SERIES, type RecommendationInput } from "../../contracts/recommendation.js";
import type { FieldError } from "../../engine/index.js";
import { DEFAULT_MODELS, type ModelName } from "../../rightsizing/models/index.js";
import type { ExperimentsRepo } from "../../store/experiments-repo.js";
import type { RecommendationWithCollection, RightsizingRepo } from "../../store/rightsizing-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import type { RightsizingMetrics } from "../../telemetry/rightsizing-metrics.js";
import type { TaskLeases } from "../task-leases.js";
import type { CollectionService, CollectionSource } from "./collection-service.js";
import { recommendUsage } from "./recommend-usage.js";
import { buildReport, type RecommendReport } from "./report.js";
import { containerPlacer, groupByWorkload, replicaInputs } from "./workloads.js";
import { workloadsInThread } from "./workloads-in-thread.js";

/** What a recommendation was asked with, as stored in its `options`. */
export interface RecommendationOptions {
  name: string;
  models: ModelName[];
  quantile: number;
  /** Prometheus sources (absent in CSV ones, and in those made before replicas were). */
  replicas?: ReplicaOptions;
}

/** How a Prometheus recommendation's replicas are made (the API's snake_case options, resolved). */
export interface ReplicaOptions {
  /** Request/s per replica, given or taken from the experiment; null: replicas from CPU. */
  capacityPerReplica: number | null;
  experimentId: number | null;
  /** The experiment's verdict (`lower_bound`: its SLO never failed). */
  capacityStatus: string | null;
  targetUtilization: number | null;
  requestRateQuery: string | null;
  workloadKind: "Deployment" | "StatefulSet";
}

export interface RecommendationServiceDeps {
  repo: RightsizingRepo;
  /** Where `options.experiment_id` is looked up. */
  experiments: Pick<ExperimentsRepo, "get">;
  collections: CollectionService;
  metrics: RightsizingMetrics;
  logger: Logger;
  /** Throws when the server may not call this URL (SSRF policy), naming why. */
  checkUrl: (url: string) => Promise<void>;
  /** Worker threads a recommendation's series are fitted on. */
  threads: number;
  /** With several processes on one store: a recommendation is made only under its lease. */
  leases?: TaskLeases | undefined;
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
    const replicas = await this.#replicaOptions(input);
    if ("problems" in replicas) return replicas;
    if (replicas.options) options.replicas = replicas.options;
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
        // As `aurea recommend`: all replicas' CPU always, the request rate with a capacity.
        replicas: { requestRate: replicas.options?.capacityPerReplica != null },
        requestRateQuery: replicas.options?.requestRateQuery ?? undefined,
        apiKeyId,
      });
      collectionId = collection.id;
    }
    const row = await repo.createRecommendation({
      collectionId,
      experimentId: replicas.options?.experimentId ?? null,
      options: options as unknown as Record<string, unknown>,
      apiKeyId,
    });
    this.#start(row.id);
    return { recommendation: (await repo.getRecommendation(row.id)) as RecommendationWithCollection };
  }

  /**
   * Every recommendation left running is made again: at start-up when this process is the only
   * one; with others on the store (leases), those whose lease is free or ran out — called again
   * now and then, for processes that die later.
   */
  async recover(): Promise<number> {
    const left = await this.#d.repo.running();
    let resumed = 0;
    for (const row of left) {
      if (this.#tasks.has(row.id) || (this.#d.leases && !(await this.#d.leases.take(row.id)))) continue;
      this.#start(row.id, true);
      resumed++;
    }
    return resumed;
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

  /**
   * The replica options of a Prometheus source, checked against each other and the source as
   * `aurea recommend` checks its flags, with the experiment's capacity looked up.
   */
  async #replicaOptions(
    input: RecommendationInput,
  ): Promise<{ options: ReplicaOptions | undefined } | { problems: FieldError[] }> {
    const o = input.options;
    const given = (
      [
        ["capacity_per_replica", o.capacity_per_replica],
        ["experiment_id", o.experiment_id],
        ["target_utilization", o.target_utilization],
        ["request_rate_query", o.request_rate_query],
        ["workload_kind", o.workload_kind],
      ] as const
    ).filter(([, value]) => value !== undefined);
    const problem = (field: string, rule: string, message: string) => ({
      problems: [{ field: `options.${field}`, rule, message }],
    });
    if (input.source.kind === "csv") {
      const [field] = given[0] ?? [];
      if (field === undefined) return { options: undefined };
      return problem(
        field,
        "needs_prometheus",
        "replicas come from a Prometheus source's usage: a CSV names no workloads",
      );
    }
    const source = input.source;
    for (const [field] of given)
      if (field !== "target_utilization" && field !== "workload_kind" && source.workload === undefined)
        return problem(field, "needs_workload", "is one workload's: give source.workload");
    if (o.capacity_per_replica !== undefined && o.experiment_id !== undefined)
      return problem(
        "experiment_id",
        "exclusive",
        "give one of options.capacity_per_replica and options.experiment_id",
      );
    if (
      o.request_rate_query !== undefined &&
      o.capacity_per_replica === undefined &&
      o.experiment_id === undefined
    )
      return problem(
        "request_rate_query",
        "needs_capacity",
        "needs options.capacity_per_replica or options.experiment_id: a rate alone gives no replica count",
      );
    let capacity = o.capacity_per_replica ?? null;
    let capacityStatus: string | null = null;
    if (o.experiment_id !== undefined) {
      const experiment = await this.#d.experiments.get(o.experiment_id);
      if (!experiment) return problem("experiment_id", "exists", `no experiment with id ${o.experiment_id}`);
      const result = experiment.result as { capacity_per_replica?: unknown; status?: unknown } | null;
      if (experiment.status !== "complete")
        return problem(
          "experiment_id",
          "complete",
          `experiment ${experiment.id} is ${experiment.status}: only a complete experiment's capacity is used`,
        );
      const measured = result?.capacity_per_replica;
      if (typeof measured !== "number" || !(measured > 0))
        return problem(
          "experiment_id",
          "has_capacity",
          `experiment ${experiment.id} has no capacity per replica${typeof result?.status === "string" ? ` (its verdict: ${result.status})` : ""}: its SLO held at no step`,
        );
      capacity = measured;
      capacityStatus = typeof result?.status === "string" ? result.status : null;
    }
    return {
      options: {
        capacityPerReplica: capacity,
        experimentId: o.experiment_id ?? null,
        capacityStatus,
        targetUtilization: o.target_utilization ?? null,
        requestRateQuery: o.request_rate_query ?? null,
        workloadKind: o.workload_kind ?? "Deployment",
      },
    };
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

  /** Makes recommendation `id` in the background, under its lease (`taken`: already held). */
  #start(id: number, taken = false): void {
    if (this.#tasks.has(id)) return;
    const task = this.#leased(id, taken)
      .catch((error: unknown) =>
        this.#d.logger.error({ recommendation_id: id, err: error }, "recommendation failed"),
      )
      .finally(() => this.#tasks.delete(id));
    this.#tasks.set(id, task);
  }

  async #leased(id: number, taken: boolean): Promise<void> {
    const leases = this.#d.leases;
    if (leases && !taken && !(await leases.take(id))) return;
    const lease = { lost: false };
    const release = leases?.hold(id, () => {
      lease.lost = true;
    });
    try {
      await this.#execute(id, lease);
    } finally {
      await release?.();
    }
  }

  async #execute(id: number, lease: { lost: boolean }): Promise<void> {
    const { repo, collections, metrics, logger } = this.#d;
    const signal = this.#stop.signal;
    const started = performance.now();
    const finish = async (
      status: "complete" | "partial" | "failed",
      values: { result?: RecommendReport; error?: string },
    ) => {
      // Stopping (made again at the next start), or taken over by another process: it writes.
      if (signal.aborted || lease.lost) return;
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
    const label = source.kind === "csv" ? `csv:${source.file}` : `prometheus:${source.url}`;
    const fitted = this.#fitting.then(async () => {
      if (signal.aborted) return undefined;
      const results = await recommendUsage(usage, {
        models: options.models,
        quantile: options.quantile,
        threads: this.#d.threads,
      });
      const report = buildReport(label, this.#now(), results, usage.problems);
      if (signal.aborted || source.kind !== "prometheus" || !usage.replicaUsage || !options.replicas)
        return report;
      // Replicas as `aurea recommend` makes them without a cluster: no HPA known.
      const replicas = options.replicas;
      const containerOf = containerPlacer({
        namespace: source.namespace,
        workload: source.workload,
        kind: replicas.workloadKind,
      });
      const inputs = replicaInputs(usage.replicaUsage, {
        capacityPerReplica: replicas.capacityPerReplica ?? undefined,
        targetUtilisation: replicas.targetUtilization ?? undefined,
        requestRateQuery: source.queries.requestRate ?? "",
        requestRateOption: "options.request_rate_query",
      });
      const workloads = await workloadsInThread(
        {
          groups: groupByWorkload(report, containerOf),
          inputs,
          models: options.models,
          quantile: options.quantile,
        },
        signal,
      );
      return workloads && { ...report, workloads };
    });
    this.#fitting = fitted.catch(() => {});
    const stopped = new Promise<undefined>((resolve) => {
      if (signal.aborted) resolve(undefined);
      signal.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    let report: Awaited<typeof fitted>;
    try {
      report = await Promise.race([fitted, stopped]);
    } catch (error) {
      logger.error({ recommendation_id: id, err: error }, "recommendation pipeline failed");
      return finish("failed", {
        error: `the recommendation pipeline failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (!report || signal.aborted) return;
    if (report.recommendations.length === 0)
      return finish("failed", {
        result: report,
        error: `no series could be recommended: ${report.errors
          .slice(0, 3)
          .map((e) => `${e.name} (${e.resource}): ${e.message}`)
          .join("; ")}${report.errors.length > 3 ? `; … and ${report.errors.length - 3} more` : ""}`,
      });
    // As the CLI's exit code: with a capacity, a workload without a replica count is a shortfall.
    const replicasMissing =
      options.replicas?.capacityPerReplica != null && report.workloads.some((w) => w.replicas_error !== null);
    return finish(report.errors.length > 0 || replicasMissing ? "partial" : "complete", { result: report });
  }
}
