import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { RunResult } from "../engine/index.js";
import { JOB_DURATION_BUCKETS, observeJobLatencies } from "./benchmark-metrics.js";
import { CumulativeHistogram } from "./cumulative-histogram.js";

/** How a run ended, as its metrics label it (low-cardinality values only). */
export interface RunEnd {
  /** The scenario's name at trigger time (a label: bounded by `maxScenarios`). */
  scenario: string | null;
  status: "completed" | "failed" | "cancelled";
  /**
   * `passed`, `thresholds_failed` or `jobs_failed` for completed runs; the reason of failed and
   * cancelled ones (`interrupted`, `error`, `ssrf_blocked`, `shard_failed`, `cancelled`).
   */
  outcome: string;
  /** The automation kind (`synthetic`, `http`, `tinyfish`). */
  kind: string;
  /** What was measured, when anything was. */
  result?: RunResult;
  /** Job outcomes (`succeeded`, `status_503`, `timeout`, …) with their counts. */
  outcomes?: Record<string, number>;
}

/** Scenario label of runs without a scenario, and of scenarios beyond the cap. */
const NO_SCENARIO = "(none)";
const OTHER_SCENARIOS = "(other)";

/** Seconds: a tiny run takes milliseconds, a soak test hours. */
const RUN_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 4 * 3600];

/**
 * Runs executed by this process, per scenario: how they ended, how long they took, what they
 * cost, their jobs and the jobs' latency, the automation calls they made, regressions against
 * the scenario's baseline. Scenario names are label values (as k6 labels by test name); past
 * `maxScenarios` distinct names, further ones are counted as `(other)` so that a user who
 * creates scenarios in a loop cannot grow the series without bound.
 */
export class RunMetrics {
  readonly #finished: Counter<"scenario" | "status" | "outcome">;
  readonly #duration: Histogram<"scenario">;
  readonly #cost: Counter<"scenario">;
  readonly #jobs: Counter<"scenario" | "result">;
  readonly #jobDuration: CumulativeHistogram;
  readonly #calls: Counter<"kind" | "outcome">;
  readonly #regressions: Counter<"scenario">;
  readonly #recovered: Counter<"action">;
  readonly #scenarios = new Set<string>();
  readonly #maxScenarios: number;
  #active: () => number = () => 0;

  constructor(registry: Registry, { maxScenarios = 200 }: { maxScenarios?: number } = {}) {
    const registers = [registry];
    this.#maxScenarios = maxScenarios;
    this.#finished = new Counter({
      name: "aurea_runs_finished_total",
      help: "Runs finished by this process, by scenario, status and outcome.",
      labelNames: ["scenario", "status", "outcome"],
      registers,
    });
    this.#duration = new Histogram({
      name: "aurea_run_duration_seconds",
      help: "Duration of the runs this process executed, seconds.",
      labelNames: ["scenario"],
      buckets: RUN_DURATION_BUCKETS,
      registers,
    });
    this.#cost = new Counter({
      name: "aurea_run_cost_dollars_total",
      help: "Cost of the runs this process executed (cost model plus provider charges), dollars.",
      labelNames: ["scenario"],
      registers,
    });
    this.#jobs = new Counter({
      name: "aurea_run_jobs_total",
      help: "Jobs of the runs this process executed, by result (succeeded, failed).",
      labelNames: ["scenario", "result"],
      registers,
    });
    this.#jobDuration = new CumulativeHistogram({
      name: "aurea_run_job_duration_seconds",
      help: "Latency of the jobs of the runs this process executed, seconds.",
      buckets: JOB_DURATION_BUCKETS,
      labelNames: ["scenario"],
      registers,
    });
    this.#calls = new Counter({
      name: "aurea_automation_calls_total",
      help: "Automation calls (jobs) by automation kind and outcome (succeeded, or the failure reason).",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.#regressions = new Counter({
      name: "aurea_run_regressions_total",
      help: "Completed runs that compared as a regression against their scenario's pinned baseline.",
      labelNames: ["scenario"],
      registers,
    });
    this.#recovered = new Counter({
      name: "aurea_runs_recovered_total",
      help: "Runs whose executor stopped (a killed worker or process), by what was done: requeued, failed (interrupted), cancelled.",
      labelNames: ["action"],
      registers,
    });
    const active = () => this.#active();
    new Gauge({
      name: "aurea_runs_active",
      help: "Runs executing in this process now.",
      registers,
      collect() {
        this.set(active());
      },
    });
  }

  /** Reads the number of runs executing at each scrape. */
  watchActive(count: () => number): void {
    this.#active = count;
  }

  #label(scenario: string | null): string {
    if (scenario === null) return NO_SCENARIO;
    if (this.#scenarios.has(scenario)) return scenario;
    if (this.#scenarios.size >= this.#maxScenarios) return OTHER_SCENARIOS;
    this.#scenarios.add(scenario);
    return scenario;
  }

  /** Counts a run that ended (once, by the executor that recorded its end). */
  recordEnd({ scenario: name, status, outcome, kind, result, outcomes = {} }: RunEnd): void {
    const scenario = this.#label(name);
    this.#finished.inc({ scenario, status, outcome });
    for (const [callOutcome, count] of Object.entries(outcomes))
      if (count > 0) this.#calls.inc({ kind, outcome: callOutcome }, count);
    if (!result) return;
    this.#duration.observe({ scenario }, result.duration_s);
    this.#cost.inc({ scenario }, result.cost.total);
    this.#jobs.inc({ scenario, result: "succeeded" }, result.counts.completed);
    this.#jobs.inc({ scenario, result: "failed" }, result.counts.failed);
    observeJobLatencies(this.#jobDuration, result, { scenario });
  }

  /** Counts runs recovered after their executor stopped (by the process that recovered them). */
  recordRecovered(requeued: number, failed: number, cancelled: number): void {
    if (requeued > 0) this.#recovered.inc({ action: "requeued" }, requeued);
    if (failed > 0) this.#recovered.inc({ action: "failed" }, failed);
    if (cancelled > 0) this.#recovered.inc({ action: "cancelled" }, cancelled);
  }

  /** Counts a completed run that regressed against its scenario's baseline. */
  recordRegression(scenario: string | null): void {
    this.#regressions.inc({ scenario: this.#label(scenario) });
  }
}
