import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { RecommendReport } from "../services/rightsizing/report.js";

/** Seconds: a CSV of one series takes about one, a namespace of 200 containers minutes. */
const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Distinct `series` label values the per-series gauges keep (least recently updated go first). */
const MAX_GAUGE_SERIES = 500;

type RecommendationEnd = "complete" | "partial" | "failed";
type CollectionEnd = "complete" | "failed" | "interrupted";

/**
 * Rightsizing in this process: recommendations and collections by how they ended, how long a
 * recommendation took, the samples collected, and the latest recommendation per series (Aurea's
 * request and limit beside VPA's and KRR's, and its confidence) for Grafana. The per-series
 * gauges keep at most `maxSeries` series: the one updated longest ago is dropped for a new one.
 */
export class RightsizingMetrics {
  readonly #recommendations: Counter<"status">;
  readonly #duration: Histogram;
  readonly #collections: Counter<"status">;
  readonly #points: Counter;
  readonly #cpu: Gauge<"series" | "kind" | "recommender">;
  readonly #memory: Gauge<"series" | "kind" | "recommender">;
  readonly #confidence: Gauge<"series" | "resource">;
  /** Series with gauges, least recently updated first. */
  readonly #series = new Set<string>();
  readonly #maxSeries: number;

  constructor(registry: Registry, { maxSeries = MAX_GAUGE_SERIES }: { maxSeries?: number } = {}) {
    const registers = [registry];
    this.#maxSeries = maxSeries;
    this.#recommendations = new Counter({
      name: "aurea_rightsizing_recommendations_total",
      help: "Recommendations finished by this process, by status (complete, partial, failed).",
      labelNames: ["status"],
      registers,
    });
    this.#duration = new Histogram({
      name: "aurea_rightsizing_recommendation_duration_seconds",
      help: "Time from a recommendation's start (collection included) to its end, seconds.",
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#collections = new Counter({
      name: "aurea_rightsizing_collections_total",
      help: "Usage collections ended by this process, by status (complete, failed, interrupted).",
      labelNames: ["status"],
      registers,
    });
    this.#points = new Counter({
      name: "aurea_rightsizing_collected_points_total",
      help: "Samples fetched from Prometheus (or read from CSV uploads) into usage collections.",
      registers,
    });
    this.#cpu = new Gauge({
      name: "aurea_rightsizing_recommended_cpu",
      help: "Latest complete CPU recommendation per series (cores for Prometheus sources, the CSV's unit otherwise), by kind (request, limit) and recommender (aurea, vpa, krr).",
      labelNames: ["series", "kind", "recommender"],
      registers,
    });
    this.#memory = new Gauge({
      name: "aurea_rightsizing_recommended_memory_bytes",
      help: "Latest complete memory recommendation per series, bytes, by kind (request, limit) and recommender (aurea, vpa, krr).",
      labelNames: ["series", "kind", "recommender"],
      registers,
    });
    this.#confidence = new Gauge({
      name: "aurea_rightsizing_confidence",
      help: "Confidence (0–1) of the latest complete recommendation per series and resource.",
      labelNames: ["series", "resource"],
      registers,
    });
  }

  recommendationFinished(status: RecommendationEnd, seconds: number): void {
    this.#recommendations.inc({ status });
    this.#duration.observe(seconds);
  }

  collectionEnded(status: CollectionEnd): void {
    this.#collections.inc({ status });
  }

  pointsCollected(count: number): void {
    if (count > 0) this.#points.inc(count);
  }

  /** Sets the per-series gauges from a complete (or partial) report. */
  report(report: RecommendReport): void {
    for (const entry of report.recommendations) {
      const series = entry.name;
      this.#forget(series);
      this.#series.add(series);
      if (this.#series.size > this.#maxSeries) {
        const oldest = this.#series.values().next().value as string;
        this.#forget(oldest);
      }
      const { vpa, krr } = entry.baselines;
      if (entry.cpu) {
        this.#cpu.set({ series, kind: "request", recommender: "aurea" }, entry.cpu.request);
        this.#cpu.set({ series, kind: "limit", recommender: "aurea" }, entry.cpu.limit);
        this.#confidence.set({ series, resource: "cpu" }, entry.cpu.confidence);
      }
      if (vpa.cpu) this.#cpu.set({ series, kind: "request", recommender: "vpa" }, vpa.cpu.request);
      if (krr.cpu) this.#cpu.set({ series, kind: "request", recommender: "krr" }, krr.cpu.request);
      if (entry.memory) {
        this.#memory.set({ series, kind: "request", recommender: "aurea" }, entry.memory.request);
        this.#memory.set({ series, kind: "limit", recommender: "aurea" }, entry.memory.limit);
        this.#confidence.set({ series, resource: "memory" }, entry.memory.confidence);
      }
      if (vpa.memory) this.#memory.set({ series, kind: "request", recommender: "vpa" }, vpa.memory.request);
      if (krr.memory) {
        this.#memory.set({ series, kind: "request", recommender: "krr" }, krr.memory.request);
        this.#memory.set({ series, kind: "limit", recommender: "krr" }, krr.memory.limit);
      }
    }
  }

  /** Removes every gauge of `series` (a newer report may lack a resource the older one had). */
  #forget(series: string): void {
    if (!this.#series.delete(series)) return;
    for (const recommender of ["aurea", "vpa", "krr"])
      for (const kind of ["request", "limit"]) {
        this.#cpu.remove({ series, kind, recommender });
        this.#memory.remove({ series, kind, recommender });
      }
    this.#confidence.remove({ series, resource: "cpu" });
    this.#confidence.remove({ series, resource: "memory" });
  }
}
