import { Counter, Gauge, type Registry } from "prom-client";
import { forEachRecordedValue, histogramOf, type RunResult } from "../engine/index.js";
import { CumulativeHistogram } from "./cumulative-histogram.js";

/** 1 ms to 10 min, seconds. */
export const JOB_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
] as const;

/**
 * The seed's benchmark metrics, with exactly the seed's names and types, fed from each
 * finished run.
 */
export class BenchmarkMetrics {
  readonly #runs: Counter;
  readonly #jobs: Counter;
  readonly #throughput: Gauge;
  readonly #meanLatency: Gauge;
  readonly #cost: Counter;
  readonly #jobDuration: CumulativeHistogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#runs = new Counter({ name: "benchmark_runs_total", help: "Benchmark runs finished.", registers });
    this.#jobs = new Counter({
      name: "benchmark_jobs_total",
      help: "Jobs executed by benchmark runs.",
      registers,
    });
    this.#throughput = new Gauge({
      name: "benchmark_throughput_jobs_per_second",
      help: "Throughput of the most recent benchmark run, jobs per second.",
      registers,
    });
    this.#meanLatency = new Gauge({
      name: "benchmark_mean_latency_seconds",
      help: "Mean job latency of the most recent benchmark run, seconds.",
      registers,
    });
    this.#cost = new Counter({
      name: "benchmark_cost_total",
      help: "Cumulative cost of benchmark runs, dollars.",
      registers,
    });
    this.#jobDuration = new CumulativeHistogram({
      name: "benchmark_job_duration_seconds",
      help: "Job latency distribution across benchmark runs, seconds.",
      buckets: JOB_DURATION_BUCKETS,
      registers,
    });
  }

  /** Adds a finished run: counters grow, gauges show this run, its latencies join the histogram. */
  recordRun(result: RunResult): void {
    this.#runs.inc();
    this.#jobs.inc(result.counts.total);
    this.#throughput.set(result.throughput);
    if (result.latency_ms.mean !== null) this.#meanLatency.set(result.latency_ms.mean / 1000);
    this.#cost.inc(result.cost.total);
    observeJobLatencies(this.#jobDuration, result);
  }
}

/**
 * Adds a run's job latencies (its HdrHistogram) to a Prometheus histogram, seconds: each
 * HdrHistogram bucket (0.1 % wide) lands in the Prometheus bucket of its median value, and the
 * sum is the run's exact one.
 */
export function observeJobLatencies(
  target: CumulativeHistogram,
  result: RunResult,
  labels: Record<string, string> = {},
): void {
  const mean = result.latency_ms.mean;
  if (mean === null) return;
  const histogram = histogramOf(result);
  forEachRecordedValue(histogram, (us, count) => target.observeMany(us / 1e6, count, labels));
  target.addToSum((mean * histogram.totalCount) / 1000, labels);
}
