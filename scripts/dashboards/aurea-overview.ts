import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboard, finish } from "./dashboard.js";
import { logs, quantile, stat, timeseries } from "./panels.js";
import { lokiVariable, prometheusVariable } from "./variables.js";

const RATE = "[$__rate_interval]";
/** Both kinds of Aurea process: `aurea serve` and `aurea worker`, as the shipped scrape config names them. */
const AUREA_JOBS = '{job=~"aurea-api|aurea-worker"}';

/** Aurea itself: its API (RED), runs, queue and workers, schedules, database pool, processes. */
export function overviewDashboard() {
  return finish(
    dashboard(
      "aurea-overview",
      "Aurea / Overview",
      "Aurea's own health: API rate, errors and duration, runs, queue and workers, schedules, the database pool, event-loop lag and build.",
    )
      .withVariable(prometheusVariable())
      .withVariable(lokiVariable())
      .withRow(new RowBuilder("API"))
      .withPanel(
        timeseries({
          title: "Requests by route",
          description: "API requests per second, by route template.",
          unit: "reqps",
          stacked: true,
          queries: [{ expr: `sum by (route) (rate(aurea_http_requests_total${RATE}))`, legend: "{{route}}" }],
        }),
      )
      .withPanel(
        timeseries({
          title: "Error ratio",
          description: "Share of API requests answered with a 5xx status (4xx are the client's).",
          unit: "percentunit",
          queries: [
            {
              expr: `sum(rate(aurea_http_requests_total{status_code=~"5.."}${RATE})) / sum(rate(aurea_http_requests_total${RATE}))`,
              legend: "5xx",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Request duration",
          description: "API request latency quantiles over all routes.",
          unit: "s",
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, "aurea_http_request_duration_seconds"),
            legend: `p${q * 100}`,
          })),
        }),
      )
      .withPanel(
        timeseries({
          title: "p95 duration by route",
          description: "95th percentile API request latency per route template.",
          unit: "s",
          queries: [
            {
              expr: quantile(0.95, "aurea_http_request_duration_seconds", "", ["route"]),
              legend: "{{route}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Runs"))
      .withPanel(
        stat({
          title: "Runs executing",
          description: "Runs executing now, in every process.",
          unit: "short",
          query: { expr: "sum(aurea_runs_active)" },
        }),
      )
      .withPanel(
        stat({
          title: "Runs finished",
          description: "Runs that finished in the dashboard's time range.",
          unit: "short",
          query: { expr: "sum(increase(aurea_runs_finished_total[$__range]))" },
        }),
      )
      .withPanel(
        stat({
          title: "Workers",
          description: "Workers connected to the run queue.",
          unit: "short",
          query: { expr: "max(aurea_queue_workers)" },
        }),
      )
      .withPanel(
        stat({
          title: "Scrape targets up",
          description: "Aurea processes Prometheus scrapes successfully, of those it knows.",
          unit: "short",
          query: { expr: `sum(up${AUREA_JOBS})` },
        }),
      )
      .withPanel(
        timeseries({
          title: "Runs finished by status",
          description: "Runs finishing per interval: completed, failed or cancelled.",
          unit: "short",
          stacked: true,
          queries: [
            {
              expr: `sum by (status) (increase(aurea_runs_finished_total${RATE}))`,
              legend: "{{status}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Runs finished by outcome",
          description:
            "Why runs ended: passed, thresholds_failed, interrupted, error, ssrf_blocked, shard_failed, cancelled.",
          unit: "short",
          stacked: true,
          queries: [
            {
              expr: `sum by (outcome) (increase(aurea_runs_finished_total${RATE}))`,
              legend: "{{outcome}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Queue and workers"))
      .withPanel(
        timeseries({
          title: "Queue depth",
          description:
            "Jobs in the run queue by state. Every process reports the same shared queue, hence max, not sum.",
          unit: "short",
          queries: [
            {
              expr: 'max by (state) (aurea_queue_jobs{state=~"waiting|active|delayed"})',
              legend: "{{state}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Queue wait p95",
          description: "Time from queueing a job to a worker starting it, 95th percentile, by job name.",
          unit: "s",
          queries: [{ expr: quantile(0.95, "aurea_queue_wait_seconds", "", ["job"]), legend: "{{job}}" }],
        }),
      )
      .withPanel(
        timeseries({
          title: "Jobs processed",
          description: "Queue jobs finished per second by workers, by job name and outcome.",
          unit: "ops",
          queries: [
            {
              expr: `sum by (job, outcome) (rate(aurea_queue_jobs_processed_total${RATE}))`,
              legend: "{{job}} {{outcome}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Job time in workers p95",
          description: "Time a worker spent on a queue job, 95th percentile, by job name.",
          unit: "s",
          queries: [
            { expr: quantile(0.95, "aurea_queue_job_duration_seconds", "", ["job"]), legend: "{{job}}" },
          ],
        }),
      )
      .withRow(new RowBuilder("Schedules and database"))
      .withPanel(
        timeseries({
          title: "Schedule ticks",
          description: "Schedule ticks per interval: fired a run, or skipped (overlap: skip).",
          unit: "short",
          stacked: true,
          queries: [
            { expr: `sum by (result) (increase(aurea_schedule_ticks_total${RATE}))`, legend: "{{result}}" },
          ],
          width: 8,
        }),
      )
      .withPanel(
        timeseries({
          title: "Schedule lag p95",
          description: "How late ticks fire after their planned time, 95th percentile.",
          unit: "s",
          queries: [{ expr: quantile(0.95, "aurea_schedule_lag_seconds"), legend: "p95" }],
          width: 8,
        }),
      )
      .withPanel(
        timeseries({
          title: "Database pool",
          description: "PostgreSQL connections of the pools by state: total, idle, and requests waiting.",
          unit: "short",
          queries: [{ expr: "sum by (state) (aurea_db_pool_connections)", legend: "{{state}}" }],
          width: 8,
        }),
      )
      .withRow(new RowBuilder("Processes"))
      .withPanel(
        timeseries({
          title: "Event-loop lag p99",
          description: "Node.js event-loop delay, 99th percentile, per process.",
          unit: "s",
          queries: [
            {
              expr: `max by (job, instance) (nodejs_eventloop_lag_p99_seconds${AUREA_JOBS})`,
              legend: "{{job}} {{instance}}",
            },
          ],
          width: 8,
        }),
      )
      .withPanel(
        timeseries({
          title: "CPU",
          description: "CPU seconds per second used by each process.",
          unit: "percentunit",
          queries: [
            {
              expr: `sum by (job, instance) (rate(process_cpu_seconds_total${AUREA_JOBS}${RATE}))`,
              legend: "{{job}} {{instance}}",
            },
          ],
          width: 8,
        }),
      )
      .withPanel(
        timeseries({
          title: "Heap used",
          description: "V8 heap in use per process.",
          unit: "bytes",
          queries: [
            {
              expr: `sum by (job, instance) (nodejs_heap_size_used_bytes${AUREA_JOBS})`,
              legend: "{{job}} {{instance}}",
            },
          ],
          width: 8,
        }),
      )
      .withPanel(
        stat({
          title: "Build",
          description: "Aurea and Node.js versions running, one line per distinct build.",
          unit: "none",
          showName: true,
          width: 24,
          query: {
            expr: "count by (version, node_version) (aurea_build_info)",
            legend: "aurea {{version}} · node {{node_version}}",
          },
        }),
      )
      .withRow(new RowBuilder("Logs"))
      .withPanel(
        logs(
          "Warnings and errors",
          "Aurea's log lines at level warn or above (Loki labels: service, level, container; run_id and req_id are in the line).",
          '{service=~"aurea-api|aurea-worker", level=~"warn|error|fatal"}',
        ),
      ),
  );
}
