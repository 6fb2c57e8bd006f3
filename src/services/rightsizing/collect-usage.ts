import type { UsageSeries } from "../../rightsizing/series.js";
import { toGrid } from "../../rightsizing/series.js";
import { type PrometheusClient, PrometheusError, type PrometheusSeries } from "./prometheus-client.js";
import type { UsageQueries } from "./usage-queries.js";

export interface CollectOptions {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly stepSeconds: number;
  /** A query returning more series than this is refused rather than recommended blindly. */
  readonly maxSeries?: number;
}

export interface CollectedUsage {
  readonly series: UsageSeries[];
  /** OOM kill times (ms) and throttling seen, per container name. */
  readonly oomKillsAt: ReadonlyMap<string, number[]>;
  readonly throttled: ReadonlySet<string>;
  /** Queries that returned nothing (not an error for the optional ones). */
  readonly empty: string[];
}

/** The container's name in results: `namespace/container`, or every label when those are absent. */
export function seriesName(labels: Readonly<Record<string, string>>): string {
  if (labels.container)
    return labels.namespace ? `${labels.namespace}/${labels.container}` : labels.container;
  const all = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return all.length ? all.join(",") : "(no labels)";
}

/** Runs the usage queries over the window and turns their series into usage series on a grid. */
export async function collectUsage(
  client: PrometheusClient,
  queries: UsageQueries,
  options: CollectOptions,
): Promise<CollectedUsage> {
  const maxSeries = options.maxSeries ?? 200;
  const range = async (expr: string) => {
    const result = await client.queryRange(
      expr,
      options.startSeconds,
      options.endSeconds,
      options.stepSeconds,
    );
    if (result.length > maxSeries)
      throw new PrometheusError(
        `the query "${expr}" returned ${result.length} series, more than ${maxSeries}: narrow it (--namespace, --workload) or raise --max-series`,
        "query",
      );
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
  const cpu = await range(queries.cpu);
  if (cpu.length === 0) empty.push(queries.cpu);
  const memory = await range(queries.memory);
  if (memory.length === 0) empty.push(queries.memory);
  const oomKillsAt = new Map<string, number[]>();
  for (const s of await range(queries.oomKills))
    oomKillsAt.set(
      seriesName(s.labels),
      s.times.filter((_, i) => (s.values[i] as number) > 0).map((t) => t * 1000),
    );
  const throttled = new Set<string>();
  for (const s of await range(queries.throttling))
    if (s.values.some((v) => v > 0.25)) throttled.add(seriesName(s.labels));
  return { series: [...toSeries(cpu, "cpu"), ...toSeries(memory, "memory")], oomKillsAt, throttled, empty };
}
