import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
} from "@grafana/grafana-foundation-sdk/dashboard";

/**
 * A dashboard with the settings all of Aurea's share, and Grafana's built-in annotations (which
 * every dashboard Grafana saves carries); `finish` turns it into JSON.
 */
export function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(["aurea", "generated"])
    .time({ from: "now-6h", to: "now" })
    .refresh("30s")
    .timezone("browser")
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .annotation(
      new AnnotationQueryBuilder()
        .name("Annotations & Alerts")
        .datasource({ type: "grafana", uid: "-- Grafana --" })
        .builtIn(1)
        .type("dashboard")
        .enable(true)
        .hide(true)
        .iconColor("rgba(0, 211, 255, 1)"),
    );
}

/** Builds the dashboard and numbers its panels in order (Grafana's links to a panel use the id). */
export function finish(builder: DashboardBuilder): Dashboard {
  const built = builder.build();
  built.panels?.forEach((panel, index) => {
    panel.id = index + 1;
  });
  return built;
}
