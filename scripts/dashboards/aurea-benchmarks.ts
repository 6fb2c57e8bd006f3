import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboard, finish } from "./dashboard.js";
import { quantile, stat, timeseries } from "./panels.js";
import { labelVariable, prometheusVariable } from "./variables.js";

const RATE = "[$__rate_interval]";
const SCENARIO = '{scenario=~"$scenario"}';
/** Finished runs that count for the success rate: completed or failed (cancelled ones do not). */
const JUDGED = '{scenario=~"$scenario", status=~"completed|failed"}';
const PASSED = '{scenario=~"$scenario", outcome="passed"}';

/** The services and automations Aurea benchmarks: runs' verdicts, throughput, latency, cost. */
export function benchmarksDashboard() {
  return finish(
    dashboard(
      "aurea-benchmarks",
      "Aurea / Benchmarks",
      "What Aurea measured of the benchmarked services and automations, per scenario: success rate, throughput, latency percentiles, cost, regressions.",
    )
      .withVariable(prometheusVariable())
      .withVariable(
        labelVariable("scenario", "Scenario", "label_values(aurea_runs_finished_total, scenario)"),
      )
      .withRow(new RowBuilder("Verdicts"))
      .withPanel(
        stat({
          title: "Success rate",
          description:
            "Passed runs ÷ finished (completed or failed) runs in the time range; cancelled runs do not count, as in the KPIs.",
          unit: "percentunit",
          query: {
            expr: `sum(increase(aurea_runs_finished_total${PASSED}[$__range])) / sum(increase(aurea_runs_finished_total${JUDGED}[$__range]))`,
          },
        }),
      )
      .withPanel(
        stat({
          title: "Runs",
          description: "Runs of the selected scenarios that finished in the time range.",
          unit: "short",
          query: { expr: `sum(increase(aurea_runs_finished_total${SCENARIO}[$__range]))` },
        }),
      )
      .withPanel(
        stat({
          title: "Cost",
          description: "Cost of the runs in the time range (the scenarios' cost models), dollars.",
          unit: "currencyUSD",
          query: { expr: `sum(increase(aurea_run_cost_dollars_total${SCENARIO}[$__range]))` },
        }),
      )
      .withPanel(
        stat({
          title: "Regressions",
          description: "Runs whose comparison with their baseline found a regression, in the time range.",
          unit: "short",
          query: { expr: `sum(increase(aurea_run_regressions_total${SCENARIO}[$__range]))` },
        }),
      )
      .withPanel(
        timeseries({
          title: "Success rate by scenario",
          description: "Passed ÷ completed-or-failed runs over the last hour, per scenario.",
          unit: "percentunit",
          max: 1,
          queries: [
            {
              expr: `sum by (scenario) (increase(aurea_runs_finished_total${PASSED}[1h])) / sum by (scenario) (increase(aurea_runs_finished_total${JUDGED}[1h]))`,
              legend: "{{scenario}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Runs by outcome",
          description: "Runs finishing per interval by outcome (passed, thresholds_failed, error, …).",
          unit: "short",
          stacked: true,
          queries: [
            {
              expr: `sum by (outcome) (increase(aurea_runs_finished_total${SCENARIO}${RATE}))`,
              legend: "{{outcome}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Throughput and latency"))
      .withPanel(
        timeseries({
          title: "Job throughput",
          description: "Jobs executed per second by runs, per scenario.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (scenario) (rate(aurea_run_jobs_total${SCENARIO}${RATE}))`,
              legend: "{{scenario}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Job error rate",
          description: "Share of jobs that failed, per scenario.",
          unit: "percentunit",
          queries: [
            {
              expr: `sum by (scenario) (rate(aurea_run_jobs_total{scenario=~"$scenario", result="failed"}${RATE})) / sum by (scenario) (rate(aurea_run_jobs_total${SCENARIO}${RATE}))`,
              legend: "{{scenario}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Job latency percentiles",
          description: "Job latency over the selected scenarios, from the merged histogram buckets.",
          unit: "s",
          queries: [0.5, 0.9, 0.95, 0.99].map((q) => ({
            expr: quantile(q, "aurea_run_job_duration_seconds", SCENARIO),
            legend: `p${q * 100}`,
          })),
        }),
      )
      .withPanel(
        timeseries({
          title: "Job latency p95 by scenario",
          description: "95th percentile job latency per scenario.",
          unit: "s",
          queries: [
            {
              expr: quantile(0.95, "aurea_run_job_duration_seconds", SCENARIO, ["scenario"]),
              legend: "{{scenario}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Run duration p95",
          description: "How long runs take from start to end, 95th percentile, per scenario.",
          unit: "s",
          queries: [
            {
              expr: quantile(0.95, "aurea_run_duration_seconds", SCENARIO, ["scenario"]),
              legend: "{{scenario}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Cost",
          description: "Cost of runs per interval, per scenario, dollars.",
          unit: "currencyUSD",
          stacked: true,
          queries: [
            {
              expr: `sum by (scenario) (increase(aurea_run_cost_dollars_total${SCENARIO}${RATE}))`,
              legend: "{{scenario}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Automation calls",
          description: "Calls to automations per second, by kind and outcome (all scenarios).",
          unit: "ops",
          width: 24,
          queries: [
            {
              expr: `sum by (kind, outcome) (rate(aurea_automation_calls_total${RATE}))`,
              legend: "{{kind}} {{outcome}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Seed API (POST /benchmark/run)"))
      .withPanel(
        timeseries({
          title: "Throughput of the latest run",
          description:
            "benchmark_throughput_jobs_per_second: jobs per second of the most recent seed benchmark.",
          unit: "ops",
          width: 8,
          queries: [{ expr: "max(benchmark_throughput_jobs_per_second)", legend: "throughput" }],
        }),
      )
      .withPanel(
        timeseries({
          title: "Job latency",
          description:
            "Seed benchmark job latency: quantiles of benchmark_job_duration_seconds, and the latest run's mean.",
          unit: "s",
          width: 8,
          queries: [
            ...[0.5, 0.95, 0.99].map((q) => ({
              expr: quantile(q, "benchmark_job_duration_seconds"),
              legend: `p${q * 100}`,
            })),
            { expr: "max(benchmark_mean_latency_seconds)", legend: "latest mean" },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Runs, jobs and cost",
          description: "Seed benchmarks per interval: runs, jobs (right) and cost in dollars.",
          unit: "short",
          width: 8,
          queries: [
            { expr: `sum(increase(benchmark_runs_total${RATE}))`, legend: "runs" },
            { expr: `sum(increase(benchmark_jobs_total${RATE}))`, legend: "jobs" },
            { expr: `sum(increase(benchmark_cost_total${RATE}))`, legend: "cost ($)" },
          ],
        }),
      ),
  );
}
