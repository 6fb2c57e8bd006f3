import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hasCommand, requireTools, run } from "../support/tools.js";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));
const promtool = hasCommand("promtool");
const amtool = hasCommand("amtool");

describe("the shipped Prometheus and Alertmanager configuration", () => {
  it.runIf(requireTools && !(promtool && amtool))(
    "has promtool and amtool when AUREA_REQUIRE_TOOLS=1",
    () => {
      expect.fail("promtool or amtool is not on PATH (Debian prometheus, prometheus-alertmanager)");
    },
  );

  it.skipIf(!promtool)("passes promtool check config (promtool missing: skipped)", () => {
    const r = run("promtool", ["check", "config", "prometheus/prometheus.yml"], DEPLOY);
    expect(r.output).toContain("SUCCESS");
    expect(r.status, r.output).toBe(0);
  });

  it.skipIf(!promtool)("has alert rules that pass promtool check rules (promtool missing: skipped)", () => {
    const r = run("promtool", ["check", "rules", "prometheus/rules/aurea-rules.yml"], DEPLOY);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status, r.output).toBe(0);
  });

  it.skipIf(!promtool)(
    "has alert rules whose unit tests pass (promtool test rules; promtool missing: skipped)",
    () => {
      const r = run("promtool", ["test", "rules", "prometheus/tests/aurea-rules.test.yml"], DEPLOY);
      expect(r.output).toContain("SUCCESS");
      expect(r.status, r.output).toBe(0);
    },
  );

  it.skipIf(!promtool)("has a unit test for every alert rule (promtool missing: skipped)", async () => {
    const { readFile } = await import("node:fs/promises");
    const rules = await readFile(`${DEPLOY}prometheus/rules/aurea-rules.yml`, "utf8");
    const tests = await readFile(`${DEPLOY}prometheus/tests/aurea-rules.test.yml`, "utf8");
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const alert of alerts) expect(tests, `no test of ${alert}`).toContain(`alertname: ${alert}`);
  });

  it.skipIf(!amtool)(
    "has an Alertmanager configuration that passes amtool check-config (amtool missing: skipped)",
    () => {
      const r = run("amtool", ["check-config", "alertmanager/alertmanager.yml"], DEPLOY);
      expect(r.output).toContain("SUCCESS");
      expect(r.status, r.output).toBe(0);
    },
  );
});
