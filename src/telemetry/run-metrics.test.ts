import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RunMetrics } from "./run-metrics.js";

describe("RunMetrics", () => {
  it("labels scenarios beyond the cap as (other), and runs without one as (none)", async () => {
    const registry = new Registry();
    const metrics = new RunMetrics(registry, { maxScenarios: 2 });
    for (const scenario of ["a", "b", "c", "d", "a", null])
      metrics.recordEnd({ scenario, status: "completed", outcome: "passed", kind: "synthetic" });
    const values = (await registry.getSingleMetric("aurea_runs_finished_total")!.get()).values;
    const byScenario = Object.fromEntries(values.map((v) => [v.labels.scenario, v.value]));
    expect(byScenario).toEqual({ a: 2, b: 1, "(other)": 2, "(none)": 1 });
  });

  it("counts automation calls by kind and outcome from a run's job outcomes", async () => {
    const registry = new Registry();
    const metrics = new RunMetrics(registry);
    metrics.recordEnd({
      scenario: "s",
      status: "completed",
      outcome: "jobs_failed",
      kind: "http",
      outcomes: { succeeded: 8, status_503: 2, timeout: 0 },
    });
    const values = (await registry.getSingleMetric("aurea_automation_calls_total")!.get()).values;
    expect(values.map((v) => [v.labels.outcome, v.value])).toEqual([
      ["succeeded", 8],
      ["status_503", 2],
    ]);
  });
});
