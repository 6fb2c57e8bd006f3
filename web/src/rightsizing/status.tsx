import type { RecommendationSource, RecommendationStatus } from "../api/types.js";

/** The run badges' colours: complete is good, partial a warning, failed bad, running in progress. */
const BADGE: Record<RecommendationStatus, string> = {
  running: "badge-running",
  complete: "badge-completed",
  partial: "badge-cancelled",
  failed: "badge-failed",
};

export function RecommendationBadge({ status }: { status: RecommendationStatus }) {
  return <span className={`badge ${BADGE[status]}`}>{status}</span>;
}

/** Where the usage came from, in a few words. */
export function describeSource(source: RecommendationSource | null): string {
  if (source === null) return "– (its usage collection was deleted)";
  if (source.kind === "csv") return `CSV ${source.file}`;
  const target = source.workload ? `${source.namespace}/${source.workload}` : source.namespace;
  return `Prometheus ${target} (${source.url})`;
}
