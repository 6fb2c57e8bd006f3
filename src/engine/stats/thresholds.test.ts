import { describe, expect, it } from "vitest";
import { evaluateThreshold, parseThreshold, type Threshold, type ThresholdInputs } from "./thresholds.js";

const parsed = (expression: string): Threshold => {
  const t = parseThreshold(expression);
  if ("error" in t) throw new Error(t.error);
  return t;
};

describe("threshold expressions", () => {
  it.each([
    ["p95<200ms", "p95", "<", 200],
    ["p99<=1s", "p99", "<=", 1000],
    ["p(99.9) < 2.5s", "p(99.9)", "<", 2500],
    ["p999<300", "p999", "<", 300],
    ["mean<500us", "mean", "<", 0.5],
    ["max<1m", "max", "<", 60_000],
    ["error_rate<1%", "error_rate", "<", 0.01],
    ["error_rate<0.05", "error_rate", "<", 0.05],
    ["success_rate>=99.5%", "success_rate", ">=", 0.995],
    ["throughput>500", "throughput", ">", 500],
    ["cost<0.10", "cost", "<", 0.1],
  ])("parses %s", (expression, metric, op, value) => {
    const t = parsed(expression);
    expect(t.metricName).toBe(metric);
    expect(t.op).toBe(op);
    expect(t.value).toBeCloseTo(value, 12);
  });

  it("reads p999 as the 99.9th percentile", () => {
    expect(parsed("p999<1").metric).toEqual({ kind: "latency", stat: "percentile", percentile: 99.9 });
  });

  it.each([
    ["p95 200ms", "is not a threshold"],
    ["latency<5", "not a known metric"],
    ["p95<200kg", "not a time unit"],
    ["error_rate<150%", "between 0 and 1"],
    ["throughput>5ms", "not valid for throughput"],
    ["p(101)<5", "not a known metric"],
  ])("rejects %s, naming the rule", (expression, rule) => {
    const t = parseThreshold(expression);
    expect("error" in t && t.error).toContain(rule);
  });

  const inputs: ThresholdInputs = {
    latencyPercentile: (p) => p * 2,
    latency: { mean: 80, min: 1, max: 400 },
    errorRate: 0.02,
    lateRate: 0,
    throughput: 900,
    cost: 0.5,
    costPerJob: 0.001,
  };

  it.each([
    ["p95<200ms", 190, true],
    ["p99<=198", 198, true],
    ["p99<198", 198, false],
    ["error_rate<1%", 0.02, false],
    ["success_rate>97%", 0.98, true],
    ["throughput>1000", 900, false],
    ["max<0.5s", 400, true],
  ])("judges %s against the measured value", (expression, actual, pass) => {
    const verdict = evaluateThreshold(parsed(expression), inputs);
    expect(verdict.actual).toBeCloseTo(actual, 9);
    expect(verdict.pass).toBe(pass);
  });

  it("fails a threshold that has nothing to measure", () => {
    const verdict = evaluateThreshold(parsed("error_rate<1%"), { ...inputs, errorRate: null });
    expect(verdict).toMatchObject({ actual: null, pass: false });
  });
});
