import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";

/** A PromQL expression of a dashboard, and where it is (for failure messages). */
export interface DashboardQuery {
  where: string;
  expr: string;
}

interface Target {
  expr?: string;
  datasource?: { type?: string };
}

/**
 * Every PromQL expression of a dashboard: its Prometheus panels' targets and its query
 * variables (`label_values(selector, label)` reads the selector; the label is no metric).
 */
export function dashboardPromql(dashboard: Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of dashboard.panels ?? []) {
    const targets = ("targets" in panel ? panel.targets : undefined) as Target[] | undefined;
    for (const target of targets ?? []) {
      if (target.datasource?.type === "prometheus" && target.expr)
        queries.push({ where: `${dashboard.uid} panel "${panel.title}"`, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== "query" || typeof variable.query !== "string") continue;
    const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$/s.exec(variable.query.trim());
    const expr = labelValues ? labelValues[1]! : variable.query;
    queries.push({ where: `${dashboard.uid} variable $${variable.name}`, expr });
  }
  return queries;
}
