import type { PrometheusClient } from "./prometheus-client.js";
import { standardQueries } from "./usage-queries.js";

/** A resource over a step's window: the average and the highest of its points. */
export interface ResourceFigures {
  avg: number;
  max: number;
  /** Points read (after summing the series at each instant). */
  points: number;
}

export interface StepResources {
  cpuCores: ResourceFigures | null;
  memoryBytes: ResourceFigures | null;
  /** What was missing (a query without series for the window). */
  problems: string[];
}

export interface ResourceQueries {
  cpu: string;
  memory: string;
}

export interface ProbeSettings {
  /** Range-query resolution, ms. */
  resolutionMs: number;
  /** Replaces `$rate_window` in the queries, ms. */
  rateWindowMs: number;
}

/**
 * The queries of a step, per replica: the rightsizing defaults for the namespace (and workload)
 * — the busiest pod per container — with their `rate()` window shortened from 5 minutes to
 * `$rate_window` (a step lasts seconds to minutes), unless given.
 */
export function experimentQueries(
  given: { cpu?: string | undefined; memory?: string | undefined },
  namespace: string | undefined,
  workload: string | undefined,
): ResourceQueries {
  const standard = namespace === undefined ? undefined : standardQueries(namespace, workload);
  const cpu = given.cpu ?? standard?.cpu.replaceAll("[5m]", "[$rate_window]");
  const memory = given.memory ?? standard?.memory;
  // The spec schema requires a namespace unless both queries are given.
  if (cpu === undefined || memory === undefined)
    throw new Error("experimentQueries needs a namespace or both queries");
  return { cpu, memory };
}

/** Reads each step's CPU and memory per replica from Prometheus. */
export class ResourceProbe {
  readonly #client: PrometheusClient;
  readonly #queries: ResourceQueries;
  readonly #settings: ProbeSettings;

  constructor(client: PrometheusClient, queries: ResourceQueries, settings: ProbeSettings) {
    this.#client = client;
    this.#settings = settings;
    const window = `${Math.round(settings.rateWindowMs / 1000)}s`;
    this.#queries = {
      cpu: queries.cpu.replaceAll("$rate_window", window),
      memory: queries.memory.replaceAll("$rate_window", window),
    };
  }

  get queries(): ResourceQueries {
    return this.#queries;
  }

  /** Throws a `PrometheusError` when Prometheus does not answer (before any load is sent). */
  async check(): Promise<void> {
    await this.#client.query("vector(1)", Date.now() / 1000);
  }

  /** CPU (cores) and memory (bytes) over `[startMs, endMs]`; throws a `PrometheusError`. */
  async measure(startMs: number, endMs: number): Promise<StepResources> {
    const problems: string[] = [];
    const read = async (name: keyof ResourceQueries): Promise<ResourceFigures | null> => {
      const series = await this.#client.queryRange(
        this.#queries[name],
        startMs / 1000,
        endMs / 1000,
        this.#settings.resolutionMs / 1000,
      );
      const figures = summarise(series);
      if (!figures) problems.push(`the ${name} query returned no data for the step's window`);
      return figures;
    };
    const cpuCores = await read("cpu");
    const memoryBytes = await read("memory");
    return { cpuCores, memoryBytes, problems };
  }
}

/**
 * Sums the series at each instant (a pod's containers make one replica), then averages and
 * maxes over the window; `null` without a finite point.
 */
function summarise(series: readonly { times: number[]; values: number[] }[]): ResourceFigures | null {
  const byTime = new Map<number, number>();
  for (const s of series)
    s.times.forEach((t, i) => {
      const v = s.values[i]!;
      if (Number.isFinite(v)) byTime.set(t, (byTime.get(t) ?? 0) + v);
    });
  const values = [...byTime.values()];
  if (values.length === 0) return null;
  return {
    avg: values.reduce((a, b) => a + b, 0) / values.length,
    max: Math.max(...values),
    points: values.length,
  };
}
