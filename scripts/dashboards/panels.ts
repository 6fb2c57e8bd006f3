import * as common from "@grafana/grafana-foundation-sdk/common";
import { PanelBuilder as LogsPanelBuilder } from "@grafana/grafana-foundation-sdk/logs";
import { DataqueryBuilder as LokiQueryBuilder } from "@grafana/grafana-foundation-sdk/loki";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanelBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TextPanelBuilder } from "@grafana/grafana-foundation-sdk/text";
import { PanelBuilder as TimeseriesPanelBuilder } from "@grafana/grafana-foundation-sdk/timeseries";
import { LOKI, PROMETHEUS } from "./datasources.js";

/** One PromQL query of a panel, and the legend of its series. */
export interface Query {
  expr: string;
  legend?: string;
}

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((query, index) =>
    new DataqueryBuilder()
      .datasource(PROMETHEUS)
      .refId(REF_IDS[index]!)
      .expr(query.expr)
      .legendFormat(query.legend ?? "__auto"),
  );
}

export interface TimeseriesOptions {
  title: string;
  description: string;
  unit: string;
  queries: readonly Query[];
  width?: number;
  height?: number;
  /** Stack the series (parts of one whole: requests by route, runs by status). */
  stacked?: boolean;
  min?: number;
  max?: number;
}

/** A time series panel of Prometheus queries, with a table legend showing last and max. */
export function timeseries({
  title,
  description,
  unit,
  queries,
  width = 12,
  height = 8,
  stacked = false,
  min = 0,
  max,
}: TimeseriesOptions): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .targets(targets(queries))
    .unit(unit)
    .min(min)
    .span(width)
    .height(height)
    .fillOpacity(stacked ? 40 : 10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(["lastNotNull", "max"]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    );
  if (stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (max !== undefined) panel.max(max);
  return panel;
}

export interface StatOptions {
  title: string;
  description: string;
  unit: string;
  query: Query;
  width?: number;
  height?: number;
  /** Show the series' names rather than their values (build info). */
  showName?: boolean;
}

/** A single-value panel: the last value of one Prometheus query. */
export function stat({
  title,
  description,
  unit,
  query,
  width = 6,
  height = 4,
  showName = false,
}: StatOptions): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .targets(targets([query]))
    .unit(unit)
    .span(width)
    .height(height)
    .graphMode(showName ? common.BigValueGraphMode.None : common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.None)
    .textMode(showName ? common.BigValueTextMode.Name : common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]));
}

/** A markdown panel. */
export function text(title: string, content: string, { width = 24, height = 6 } = {}): TextPanelBuilder {
  return new TextPanelBuilder().title(title).content(content).span(width).height(height);
}

/** A panel of log lines from Loki. */
export function logs(title: string, description: string, expr: string): LogsPanelBuilder {
  return new LogsPanelBuilder()
    .title(title)
    .description(description)
    .datasource(LOKI)
    .withTarget(new LokiQueryBuilder().datasource(LOKI).refId("A").expr(expr))
    .span(24)
    .height(10)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending);
}

/** `histogram_quantile` of a histogram's buckets, summed over everything but `by`. */
export function quantile(q: number, histogram: string, selector = "", by: readonly string[] = []): string {
  const labels = ["le", ...by].join(", ");
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${histogram}_bucket${selector}[$__rate_interval])))`;
}
