import { dashboard, finish } from "./dashboard.js";
import { text, timeseries } from "./panels.js";
import { labelVariable, prometheusVariable } from "./variables.js";

const RATE = "[$__rate_interval]";
/** cAdvisor names a container `name` under Docker (the compose stack). */
const CONTAINER = '{name=~"$container"}';

/** A placeholder for the rightsizing issue: the containers' CPU and memory, as cAdvisor sees them. */
export function rightsizingDashboard() {
  return finish(
    dashboard(
      "aurea-rightsizing",
      "Aurea / Rightsizing",
      "Containers' CPU and memory usage from cAdvisor; recommendations come with the rightsizing agent (a later issue).",
    )
      .withVariable(prometheusVariable())
      .withVariable(
        labelVariable(
          "container",
          "Container",
          'label_values(container_memory_working_set_bytes{name!=""}, name)',
        ),
      )
      .withPanel(
        text(
          "About this dashboard",
          [
            "**Placeholder.** Aurea's rightsizing agent (load experiments, forecasts, CPU, memory and replica",
            "recommendations) is a later issue; its panels will join these.",
            "",
            "Below: what cAdvisor measures of each container of the stack. CPU is in cores (CPU seconds per",
            "second); memory is the working set, what the kernel counts against a memory limit.",
          ].join("\n"),
          { height: 4 },
        ),
      )
      .withPanel(
        timeseries({
          title: "CPU usage",
          description: "CPU cores used per container (rate of container_cpu_usage_seconds_total).",
          unit: "short",
          queries: [
            {
              expr: `sum by (name) (rate(container_cpu_usage_seconds_total${CONTAINER}${RATE}))`,
              legend: "{{name}}",
            },
          ],
        }),
      )
      .withPanel(
        timeseries({
          title: "Memory working set",
          description: "Memory working set per container (container_memory_working_set_bytes).",
          unit: "bytes",
          queries: [
            { expr: `max by (name) (container_memory_working_set_bytes${CONTAINER})`, legend: "{{name}}" },
          ],
        }),
      ),
  );
}
