import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from "@grafana/grafana-foundation-sdk/dashboard";
import { LOKI_UID, PROMETHEUS, PROMETHEUS_UID } from "./datasources.js";

/** The Prometheus to query: the provisioned one by default. */
export function prometheusVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder("datasource")
    .label("Prometheus")
    .type("prometheus")
    .current({ text: "Prometheus", value: PROMETHEUS_UID });
}

/** The Loki to read logs from: the provisioned one by default. */
export function lokiVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder("logs")
    .label("Loki")
    .type("loki")
    .current({ text: "Loki", value: LOKI_UID });
}

/** A multi-value variable of a label's values, "All" by default (matched with `=~"$name"`). */
export function labelVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue(".*")
    .current({ text: "All", value: "$__all" });
}
