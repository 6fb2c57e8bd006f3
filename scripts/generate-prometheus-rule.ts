// Writes deploy/kubernetes/prometheus-rule.yaml from deploy/prometheus/rules/aurea-rules.yml.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROMETHEUS_RULE_FILE, prometheusRuleYaml, RULES_FILE } from "./prometheus-rule.js";

const root = join(import.meta.dirname, "..");
if (!existsSync(join(root, RULES_FILE))) {
  console.log(`${RULES_FILE} does not exist: no PrometheusRule written`);
} else {
  writeFileSync(
    join(root, PROMETHEUS_RULE_FILE),
    prometheusRuleYaml(readFileSync(join(root, RULES_FILE), "utf8")),
  );
  console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
}
