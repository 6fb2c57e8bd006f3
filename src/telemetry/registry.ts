import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { BenchmarkMetrics } from "./benchmark-metrics.js";
import { HttpMetrics } from "./http-metrics.js";
import { QueueMetrics } from "./queue-metrics.js";
import { RunMetrics } from "./run-metrics.js";
import { ScheduleMetrics } from "./schedule-metrics.js";
import { StoreMetrics } from "./store-metrics.js";

export interface Telemetry {
  registry: Registry;
  benchmark: BenchmarkMetrics;
  http: HttpMetrics;
  queue: QueueMetrics;
  runs: RunMetrics;
  schedules: ScheduleMetrics;
  store: StoreMetrics;
}

/** One registry per process, holding Aurea's metrics and Node.js process metrics. */
export function createTelemetry({
  version,
  processMetrics = true,
  maxScenarios = 200,
}: {
  version: string;
  processMetrics?: boolean;
  /** Distinct scenario label values before further scenarios are counted as `(other)`. */
  maxScenarios?: number;
}): Telemetry {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  new Gauge({
    name: "aurea_build_info",
    help: "Aurea build information; always 1.",
    labelNames: ["version", "node_version"],
    registers: [registry],
  }).set({ version, node_version: process.version }, 1);
  return {
    registry,
    benchmark: new BenchmarkMetrics(registry),
    http: new HttpMetrics(registry),
    queue: new QueueMetrics(registry),
    runs: new RunMetrics(registry, { maxScenarios }),
    schedules: new ScheduleMetrics(registry),
    store: new StoreMetrics(registry),
  };
}
