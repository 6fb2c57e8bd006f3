import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { benchmarksDashboard } from "./aurea-benchmarks.js";
import { overviewDashboard } from "./aurea-overview.js";
import { rightsizingDashboard } from "./aurea-rightsizing.js";

export { LOKI_UID, PROMETHEUS_UID } from "./datasources.js";

/** Where the generated dashboards go: the folder Grafana's file provider reads. */
export const DASHBOARDS_DIR = "deploy/grafana/dashboards";

/** Every dashboard, by the file it is written to. */
export const DASHBOARDS: ReadonlyArray<{ file: string; build: () => Dashboard }> = [
  { file: "aurea-overview.json", build: overviewDashboard },
  { file: "aurea-benchmarks.json", build: benchmarksDashboard },
  { file: "aurea-rightsizing.json", build: rightsizingDashboard },
];

/** The dashboard as committed: two-space JSON and a final newline. */
export function renderDashboard(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
