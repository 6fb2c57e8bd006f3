import { useMemo } from "react";
import { useRecommendationUsage } from "../api/queries.js";
import type { RecommendationEntry, Resource, ResourceEntry } from "../api/types.js";
import { ErrorState, Loading } from "../components/states.js";
import type { Levels } from "./chart-data.js";
import { ResourceFigures } from "./resource-figures.js";
import { UsageChart } from "./usage-chart.js";

const RESOURCES: readonly Resource[] = ["cpu", "memory"];
const TITLES: Record<Resource, string> = { cpu: "CPU", memory: "Memory" };

function levelsOf(series: RecommendationEntry, resource: Resource, entry: ResourceEntry): Levels {
  return {
    request: entry.request,
    limit: entry.limit,
    vpa: series.baselines.vpa[resource]?.request ?? null,
    krr: series.baselines.krr[resource]?.request ?? null,
  };
}

function ResourcePanel({
  id,
  series,
  resource,
  entry,
  unit,
}: {
  id: number;
  series: RecommendationEntry;
  resource: Resource;
  entry: ResourceEntry;
  unit: string;
}) {
  const usage = useRecommendationUsage(id, series.name, resource, true);
  const levels = useMemo(() => levelsOf(series, resource, entry), [series, resource, entry]);
  const headingId = `rs-${resource}-heading`;
  return (
    <section
      className="panel rs-resource"
      aria-labelledby={headingId}
      data-series={series.name}
      data-resource={resource}
    >
      <h3 id={headingId}>
        {TITLES[resource]}
        {unit && resource === "cpu" ? ` (${unit})` : ""}
      </h3>
      <div className="rs-resource-body">
        <div className="rs-chart">
          {usage.error ? (
            <ErrorState error={usage.error} retry={() => void usage.refetch()} />
          ) : !usage.data ? (
            <Loading label="Loading the usage…" />
          ) : (
            <UsageChart
              series={series.name}
              resource={resource}
              unit={unit}
              usage={usage.data}
              entry={entry}
              levels={levels}
            />
          )}
        </div>
        <ResourceFigures resource={resource} unit={unit} entry={entry} levels={levels} />
      </div>
    </section>
  );
}

/** A series' CPU and memory (those it has), each as one chart with its numbers beside it. */
export function SeriesPanel({ id, series, unit }: { id: number; series: RecommendationEntry; unit: string }) {
  return (
    <div className="rs-series" data-testid="rs-series">
      {RESOURCES.map((resource) => {
        const entry = series[resource];
        return entry ? (
          <ResourcePanel
            key={resource}
            id={id}
            series={series}
            resource={resource}
            entry={entry}
            unit={unit}
          />
        ) : null;
      })}
    </div>
  );
}
