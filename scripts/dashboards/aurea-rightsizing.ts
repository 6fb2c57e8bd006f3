import { RowBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import { dashboard, finish } from "./dashboard.js";
import { quantile, stat, text, timeseries } from "./panels.js";
import { labelVariable, prometheusVariable } from "./variables.js";

const RATE = "[$__rate_interval]";
const SERIES = 'series=~"$series"';
/**
 * The containers cAdvisor measures, as the kubelet's cAdvisor labels them (what `aurea recommend
 * --prometheus` reads); the recommendation of such a container is the series `namespace/container`.
 */
const K8S = 'namespace=~"$namespace", container=~"$container", container!="", container!="POD"';
const RECOMMENDED_FOR_K8S = 'series=~"$namespace/$container"';
/** cAdvisor under Docker (the compose stack) names a container `name` and has no namespace. */
const DOCKER = '{name=~"$docker_container"}';

const ABOUT = [
  "What Aurea's rightsizing agent recommended, how sure it is, and the usage it is for.",
  "",
  "- **Recommended levels** are gauges Aurea sets when a recommendation completes (`/api/v1/recommendations`,",
  "  the web page *Rightsizing*): per series its CPU and memory request and limit, and the VPA recommender's",
  "  and KRR's requests for the same data (`recommender` label). CPU is in cores for Prometheus usage and in",
  "  the file's own unit for a CSV.",
  "- **Usage against the recommendation** draws cAdvisor's usage of a Kubernetes container (`$namespace`,",
  "  `$container`) with the request and limit Aurea recommended for it (series `namespace/container`).",
  "- **Load experiments** count the stepped-load experiments and their steps.",
].join("\n");

/** Rightsizing: recommendations made, the recommended levels and their confidence, usage against them, experiments. */
export function rightsizingDashboard() {
  return finish(
    dashboard(
      "aurea-rightsizing",
      "Aurea / Rightsizing",
      "Aurea's CPU and memory recommendations per series beside VPA's and KRR's, their confidence, the containers' usage against them, and load experiments.",
    )
      .withVariable(prometheusVariable())
      .withVariable(
        labelVariable("series", "Series", "label_values(aurea_rightsizing_recommended_cpu, series)"),
      )
      .withVariable(
        labelVariable(
          "namespace",
          "Namespace",
          'label_values(container_memory_working_set_bytes{container!="", container!="POD"}, namespace)',
        ),
      )
      .withVariable(
        labelVariable(
          "container",
          "Container",
          'label_values(container_memory_working_set_bytes{namespace=~"$namespace", container!="", container!="POD"}, container)',
        ),
      )
      .withVariable(
        labelVariable(
          "docker_container",
          "Docker container",
          'label_values(container_memory_working_set_bytes{name!=""}, name)',
        ),
      )
      .withPanel(text("About this dashboard", ABOUT, { height: 6 }))
      .withRow(new RowBuilder("Recommendations"))
      .withPanel(
        stat({
          title: "Recommendations",
          description: "Recommendations that finished in the time range (complete, partial or failed).",
          unit: "short",
          query: { expr: "sum(increase(aurea_rightsizing_recommendations_total[$__range]))" },
        }),
      )
      .withPanel(
        stat({
          title: "Not complete",
          description:
            "Share of the time range's recommendations that were partial (some series refused) or failed.",
          unit: "percentunit",
          query: {
            expr: 'sum(increase(aurea_rightsizing_recommendations_total{status=~"partial|failed"}[$__range])) / sum(increase(aurea_rightsizing_recommendations_total[$__range]))',
          },
        }),
      )
      .withPanel(
        stat({
          title: "Duration p95",
          description:
            "How long a recommendation takes from its request to its report (collection, validation, forecasts), 95th percentile.",
          unit: "s",
          query: {
            expr: "histogram_quantile(0.95, sum by (le) (increase(aurea_rightsizing_recommendation_duration_seconds_bucket[$__range])))",
          },
        }),
      )
      .withPanel(
        stat({
          title: "Points collected",
          description: "Usage points read from Prometheus or CSV uploads in the time range.",
          unit: "short",
          query: { expr: "sum(increase(aurea_rightsizing_collected_points_total[$__range]))" },
        }),
      )
      .withPanel(
        timeseries({
          title: "Recommendations by status",
          description:
            "Recommendations finishing per interval: complete, partial (some series refused) or failed.",
          unit: "short",
          stacked: true,
          width: 8,
          queries: [
            {
              expr: `sum by (status) (increase(aurea_rightsizing_recommendations_total${RATE}))`,
              legend: "{{status}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Recommendation duration",
          description: "Time from a recommendation's request to its report, quantiles.",
          unit: "s",
          width: 8,
          queries: [0.5, 0.95].map((q) => ({
            expr: quantile(q, "aurea_rightsizing_recommendation_duration_seconds"),
            legend: `p${q * 100}`,
          })),
        }),
      )
      .withPanel(
        timeseries({
          title: "Usage collections",
          description:
            "Usage collections finishing per interval by status, and the usage points read per second.",
          unit: "short",
          width: 8,
          queries: [
            {
              expr: `sum by (status) (increase(aurea_rightsizing_collections_total${RATE}))`,
              legend: "collections {{status}}",
            },
            { expr: `sum(rate(aurea_rightsizing_collected_points_total${RATE}))`, legend: "points/s" },
          ],
        }),
      )
      .withRow(new RowBuilder("Recommended levels per series"))
      .withPanel(
        timeseries({
          title: "CPU request: Aurea, VPA, KRR",
          description:
            "The CPU request each recommender gives each series (cores for Prometheus usage, the CSV's unit for uploads).",
          unit: "short",
          queries: [
            {
              expr: `max by (series, recommender) (aurea_rightsizing_recommended_cpu{${SERIES}, kind="request"})`,
              legend: "{{series}} {{recommender}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Memory request: Aurea, VPA, KRR",
          description: "The memory request each recommender gives each series, bytes.",
          unit: "bytes",
          queries: [
            {
              expr: `max by (series, recommender) (aurea_rightsizing_recommended_memory_bytes{${SERIES}, kind="request"})`,
              legend: "{{series}} {{recommender}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Aurea's CPU limits",
          description:
            "The CPU limit Aurea recommends per series (the 0.999 quantile of the forecast, never below the last week's peak).",
          unit: "short",
          queries: [
            {
              expr: `max by (series) (aurea_rightsizing_recommended_cpu{${SERIES}, kind="limit", recommender="aurea"})`,
              legend: "{{series}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Aurea's memory limits",
          description: "The memory limit Aurea recommends per series, bytes.",
          unit: "bytes",
          queries: [
            {
              expr: `max by (series) (aurea_rightsizing_recommended_memory_bytes{${SERIES}, kind="limit", recommender="aurea"})`,
              legend: "{{series}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Confidence",
          description:
            "Confidence of each series' recommendation per resource (0–1): history, backtest skill and coverage, recent level changes, OOM kills or throttling.",
          unit: "percentunit",
          max: 1,
          queries: [
            {
              expr: `min by (series, resource) (aurea_rightsizing_confidence{${SERIES}})`,
              legend: "{{series}} {{resource}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Least confident series",
          description: "The ten series whose recommendation Aurea is least sure of: look at these first.",
          unit: "percentunit",
          max: 1,
          queries: [
            {
              expr: `bottomk(10, min by (series) (aurea_rightsizing_confidence{${SERIES}}))`,
              legend: "{{series}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Usage against the recommendation (Kubernetes containers)"))
      .withPanel(
        timeseries({
          title: "CPU usage and recommended request",
          description:
            "CPU cores a container uses (cAdvisor, busiest pod) with the request and limit Aurea recommended for it.",
          unit: "short",
          queries: [
            {
              expr: `max by (namespace, container) (rate(container_cpu_usage_seconds_total{${K8S}}${RATE}))`,
              legend: "{{namespace}}/{{container}} usage",
            },
            {
              expr: `max by (series) (aurea_rightsizing_recommended_cpu{${RECOMMENDED_FOR_K8S}, kind="request", recommender="aurea"})`,
              legend: "{{series}} request",
            },
            {
              expr: `max by (series) (aurea_rightsizing_recommended_cpu{${RECOMMENDED_FOR_K8S}, kind="limit", recommender="aurea"})`,
              legend: "{{series}} limit",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Memory working set and recommended request",
          description:
            "Memory working set of a container (cAdvisor, busiest pod) with the request and limit Aurea recommended for it.",
          unit: "bytes",
          queries: [
            {
              expr: `max by (namespace, container) (container_memory_working_set_bytes{${K8S}})`,
              legend: "{{namespace}}/{{container}} working set",
            },
            {
              expr: `max by (series) (aurea_rightsizing_recommended_memory_bytes{${RECOMMENDED_FOR_K8S}, kind="request", recommender="aurea"})`,
              legend: "{{series}} request",
            },
            {
              expr: `max by (series) (aurea_rightsizing_recommended_memory_bytes{${RECOMMENDED_FOR_K8S}, kind="limit", recommender="aurea"})`,
              legend: "{{series}} limit",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "CPU throttling",
          description:
            "Share of CFS periods in which a container was throttled: a request or limit too low shows here first.",
          unit: "percentunit",
          max: 1,
          width: 24,
          queries: [
            {
              expr: `max by (namespace, container) (rate(container_cpu_cfs_throttled_periods_total{${K8S}}${RATE}) / rate(container_cpu_cfs_periods_total{${K8S}}${RATE}))`,
              legend: "{{namespace}}/{{container}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Load experiments"))
      .withPanel(
        stat({
          title: "Experiments running",
          description: "Load experiments driving their target now, in every process.",
          unit: "short",
          width: 8,
          query: { expr: "sum(aurea_rightsizing_experiments_active)" },
        }),
      )
      .withPanel(
        timeseries({
          title: "Experiments by status",
          description: "Load experiments finishing per interval by status.",
          unit: "short",
          stacked: true,
          width: 8,
          queries: [
            {
              expr: `sum by (status) (increase(aurea_rightsizing_experiments_total${RATE}))`,
              legend: "{{status}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Experiment steps by status",
          description: "Steps (a load level at a replica count) finishing per interval by status.",
          unit: "short",
          stacked: true,
          width: 8,
          queries: [
            {
              expr: `sum by (status) (increase(aurea_rightsizing_experiment_steps_total${RATE}))`,
              legend: "{{status}}",
            },
          ],
        }),
      )
      .withRow(new RowBuilder("Containers of this stack (cAdvisor under Docker)"))
      .withPanel(
        timeseries({
          title: "CPU usage",
          description:
            "CPU cores used per container of the compose stack (rate of container_cpu_usage_seconds_total).",
          unit: "short",
          queries: [
            {
              expr: `sum by (name) (rate(container_cpu_usage_seconds_total${DOCKER}${RATE}))`,
              legend: "{{name}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Memory working set",
          description:
            "Memory working set per container of the compose stack (container_memory_working_set_bytes).",
          unit: "bytes",
          queries: [
            { expr: `max by (name) (container_memory_working_set_bytes${DOCKER})`, legend: "{{name}}" },
          ],
        }),
      ),
  );
}
