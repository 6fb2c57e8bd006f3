import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { DASHBOARDS } from "../../scripts/dashboards/index.js";
import { hasCommand, requireTools, run } from "../support/tools.js";
import { type DashboardQuery, dashboardPromql } from "./support/dashboard-queries.js";

const promtool = hasCommand("promtool");

/**
 * A dashboard query as Prometheus receives it: Grafana's interval variables become durations and
 * template variables the "All" value (`.*`), which every variable of these dashboards allows.
 */
function asPrometheusSees(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "5m")
    .replaceAll("$__interval", "1m")
    .replaceAll("$__range", "1h")
    .replace(/\$\{(\w+)\}|\$(\w+)/g, ".*");
}

/** `promtool check rules` on the queries as recording rules: the PromQL parser's verdict on each. */
function checkWithPromtool(dir: string, name: string, queries: readonly DashboardQuery[]) {
  const file = join(dir, `${name}.yml`);
  const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: asPrometheusSees(q.expr) }));
  writeFileSync(file, stringify({ groups: [{ name, rules }] }));
  return run("promtool", ["check", "rules", file]);
}

describe.skipIf(!promtool && !requireTools)(
  "every dashboard query parses as PromQL (promtool check rules)",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "aurea-dashboard-promql-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("refuses a query that does not parse, so the check can fail", () => {
      const r = checkWithPromtool(dir, "broken", [{ where: "test", expr: "sum(rate(aurea_x_total[5m])" }]);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/unclosed left parenthesis|parse error/);
    });

    it.each(DASHBOARDS.map(({ file, build }) => ({ file, queries: dashboardPromql(build()) })))(
      "$file",
      ({ file, queries }) => {
        expect(queries.length).toBeGreaterThan(0);
        const r = checkWithPromtool(dir, file.replace(/\.json$/, ""), queries);
        expect(r.output, r.output).toMatch(new RegExp(`SUCCESS: ${queries.length} rules found`));
        expect(r.status, r.output).toBe(0);
      },
    );
  },
);
