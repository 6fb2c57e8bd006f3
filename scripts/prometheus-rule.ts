import { parse, stringify } from "yaml";

/** The Prometheus rules the stack ships, and the PrometheusRule generated from them. */
export const RULES_FILE = "deploy/prometheus/rules/aurea-rules.yml";
export const PROMETHEUS_RULE_FILE = "deploy/kubernetes/prometheus-rule.yaml";

/**
 * The Prometheus Operator's PrometheusRule holding the same groups as the rules file, so
 * that Kubernetes and the compose stack alert on exactly the same rules.
 */
export function prometheusRuleYaml(rulesYaml: string): string {
  const rules = parse(rulesYaml) as { groups?: unknown };
  if (!Array.isArray(rules?.groups) || rules.groups.length === 0)
    throw new Error(`${RULES_FILE} has no rule groups`);
  const resource = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: "aurea",
      namespace: "aurea",
      // Add the label your Prometheus' ruleSelector matches (kube-prometheus-stack: release).
      labels: { "app.kubernetes.io/part-of": "aurea" },
    },
    spec: { groups: rules.groups },
  };
  const header = [
    `# Generated from ${RULES_FILE} by \`npm run prometheus-rule\`: edit the rules there.`,
    "# tests/deploy/kubernetes.test.ts fails while this file is out of date.",
  ].join("\n");
  return `${header}\n${stringify(resource, { lineWidth: 0 })}`;
}
