import { describe, expect, it } from "vitest";
import { DASHBOARDS } from "../../scripts/dashboards/index.js";
import { platformApps } from "../support/platform-app.js";
import { type DashboardQuery, dashboardPromql } from "./support/dashboard-queries.js";
import { promqlMetricNames } from "./support/promql-metric-names.js";
import { exists, RULES_FILE, readYaml } from "./support/repo.js";

/**
 * Metrics that other exporters of the shipped stack provide, which dashboards and rules may
 * read although Aurea does not export them.
 */
const OTHER_EXPORTERS: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  // Prometheus writes it for every scrape target.
  { pattern: /^up$/, why: "Prometheus: one per scrape target" },
  // cAdvisor in the compose stack; the kubelet's built-in cAdvisor on Kubernetes.
  { pattern: /^container_[a-z0-9_]+$/, why: "cAdvisor" },
  // kube-state-metrics, which the rightsizing issue reads (requests, limits, replicas).
  { pattern: /^kube_[a-z0-9_]+$/, why: "kube-state-metrics" },
];

const open = platformApps();

/**
 * Every series name the whole platform (API, runs, queue, schedules, store, rightsizing and
 * experiments, each registering its metrics where it is made) answers on `GET /metrics`:
 * histograms as their `_bucket`, `_sum`, `_count`.
 */
async function aureaSeriesNames(): Promise<Set<string>> {
  const { request } = await open({ env: { AUREA_METRICS_AUTH: "none" } });
  const response = await request("GET", "/metrics");
  expect(response.statusCode).toBe(200);
  const names = new Set<string>();
  for (const [, name, type] of response.body.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
    else if (type === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(name + suffix);
    else names.add(name!);
  }
  return names;
}

interface RuleFile {
  groups?: Array<{
    name?: string;
    rules?: Array<{ alert?: string; record?: string; expr?: string | number }>;
  }>;
}

function ruleQueries(): { queries: DashboardQuery[]; recorded: string[] } {
  const file = readYaml(RULES_FILE) as RuleFile;
  const queries: DashboardQuery[] = [];
  const recorded: string[] = [];
  for (const group of file.groups ?? [])
    for (const rule of group.rules ?? []) {
      if (rule.record) recorded.push(rule.record);
      if (rule.expr !== undefined)
        queries.push({
          where: `${RULES_FILE} ${group.name} ${rule.alert ?? rule.record}`,
          expr: String(rule.expr),
        });
    }
  return { queries, recorded };
}

function unknownNames(queries: DashboardQuery[], known: Set<string>): string[] {
  const unknown: string[] = [];
  for (const { where, expr } of queries)
    for (const name of promqlMetricNames(expr))
      if (!known.has(name) && !OTHER_EXPORTERS.some(({ pattern }) => pattern.test(name)))
        unknown.push(`${name} (${where})`);
  return unknown;
}

describe("the PromQL metric-name extractor", () => {
  it.each([
    ["rate(aurea_http_requests_total[5m])", ["aurea_http_requests_total"]],
    [
      'histogram_quantile(0.95, sum by (le, route) (rate(aurea_http_request_duration_seconds_bucket{route!="/metrics"}[$__rate_interval])))',
      ["aurea_http_request_duration_seconds_bucket"],
    ],
    [
      'sum(rate(a_total{status_code=~"5.."}[5m])) / sum without (instance) (rate(a_total[5m])) > 0.05',
      ["a_total"],
    ],
    ['up{job="aurea-api"} == 0 and on (instance) absent(b_info) or c offset 5m', ["up", "b_info", "c"]],
    ["x * on (job) group_left (version) aurea_build_info", ["x", "aurea_build_info"]],
    ["sum(rate(m[5m:1m])) by (scenario) > bool 1e3", ["m"]],
    ['{__name__="named_by_matcher", job="x"}', ["named_by_matcher"]],
    ['label_replace(a, "dst", "$1", "src", "(.*)") + time() - b @ end()', ["a", "b"]],
    ['topk(3, sum by (scenario) (increase(runs_total{scenario=~"$scenario"}[$__range])))', ["runs_total"]],
    ["deriv(aurea:queue_waiting:max[10m]) > 0", ["aurea:queue_waiting:max"]],
  ])("finds the metrics of %s", (expr, names) => {
    expect(promqlMetricNames(expr).sort()).toEqual([...names].sort());
  });

  it("refuses an unknown function rather than taking it for a metric", () => {
    expect(() => promqlMetricNames("rte(aurea_http_requests_total[5m])")).toThrow(
      /unknown PromQL function rte/,
    );
  });

  it("refuses unbalanced brackets", () => {
    expect(() => promqlMetricNames('sum(rate(a{job="x"[5m]))')).toThrow(/unbalanced/);
  });
});

describe("every PromQL expression names metrics that are exported", () => {
  it("holds for the dashboards", async () => {
    const known = await aureaSeriesNames();
    const queries = DASHBOARDS.flatMap(({ build }) => dashboardPromql(build()));
    expect(queries.length).toBeGreaterThan(30);
    expect(unknownNames(queries, known)).toEqual([]);
  });

  it.skipIf(!exists(RULES_FILE))(`holds for the alert and recording rules (${RULES_FILE})`, async () => {
    const known = await aureaSeriesNames();
    const { queries, recorded } = ruleQueries();
    for (const name of recorded) known.add(name);
    expect(queries.length).toBeGreaterThan(0);
    expect(unknownNames(queries, known)).toEqual([]);
  });

  if (!exists(RULES_FILE))
    it.skip(`${RULES_FILE} does not exist yet: its expressions are not checked`, () => {});
});
