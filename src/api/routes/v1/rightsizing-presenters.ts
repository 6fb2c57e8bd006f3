import type { z } from "zod";
import type { collectionView, recommendationSummary, sourceView } from "../../../contracts/recommendation.js";
import type { CollectionSource } from "../../../services/rightsizing/collection-service.js";
import type { RecommendationOptions } from "../../../services/rightsizing/recommendation-service.js";
import type {
  CollectionRow,
  RecommendationSummaryRow,
  RecommendationWithCollection,
} from "../../../store/rightsizing-repo.js";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Where the usage came from, as the API shows it (never a CSV's text). */
function presentSource(stored: Record<string, unknown>): z.infer<typeof sourceView> {
  const source = stored as unknown as CollectionSource;
  if (source.kind === "csv") return { kind: "csv", file: source.file };
  return {
    kind: "prometheus",
    url: source.url,
    namespace: source.namespace,
    workload: source.workload,
    days: source.days,
    step_seconds: source.stepSeconds,
  };
}

export function presentRecommendation(
  row: RecommendationSummaryRow | RecommendationWithCollection,
): z.infer<typeof recommendationSummary> {
  const options = row.options as unknown as RecommendationOptions;
  return {
    id: row.id,
    name: options.name ?? row.collection?.name ?? `recommendation ${row.id}`,
    status: row.status,
    source: row.collection ? presentSource(row.collection.source) : null,
    collection_id: row.collectionId,
    created_at: row.createdAt.toISOString(),
    finished_at: iso(row.finishedAt),
    series_count: row.seriesCount,
    min_confidence: row.minConfidence,
    error: row.error,
  };
}

export function presentCollection(row: CollectionRow): z.infer<typeof collectionView> {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    source: presentSource(row.source),
    window_start: row.windowStart.toISOString(),
    window_end: row.windowEnd.toISOString(),
    progress: {
      chunks_done: Number(row.progress.chunksDone ?? 0),
      chunks_total: Number(row.progress.chunksTotal ?? 0),
    },
    error: row.error,
    created_at: row.createdAt.toISOString(),
    finished_at: iso(row.finishedAt),
  };
}

/**
 * The seed's JSON metadata of a collection: what was asked (the PromQL itself, or the CSV
 * file), the window and step, and what came back per series, with the context stored with it.
 */
export function collectionMetadata(row: CollectionRow): Record<string, unknown> {
  const source = row.source as unknown as CollectionSource;
  return {
    ...presentCollection(row),
    source:
      source.kind === "csv"
        ? { kind: "csv", file: source.file, step_ms: source.stepMs }
        : { ...presentSource(row.source), max_series: source.maxSeries, queries: source.queries },
    metadata: row.metadata,
  };
}
