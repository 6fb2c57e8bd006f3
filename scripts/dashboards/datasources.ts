/**
 * The datasources the dashboards query. The uids are the ones
 * `deploy/grafana/provisioning/datasources/datasources.yml` gives them, so a provisioned Grafana
 * resolves the dashboards' defaults; elsewhere the variables let a user pick their own.
 */
export const PROMETHEUS_UID = "aurea-prometheus";
export const LOKI_UID = "aurea-loki";

/** Every Prometheus query goes through the `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
export const PROMETHEUS = { type: "prometheus", uid: "${datasource}" } as const;
/** Every Loki query goes through the `logs` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
export const LOKI = { type: "loki", uid: "${logs}" } as const;
