import { describe, expect, it } from "vitest";
import { fieldErrors } from "./field-errors.js";
import { parseWorkloadSpec } from "./workload-spec.js";

const errorsOf = (input: unknown) => {
  const r = parseWorkloadSpec(input);
  return r.success ? [] : fieldErrors(r.error.issues);
};

describe("workload spec", () => {
  it("fills defaults and converts durations to milliseconds", () => {
    const r = parseWorkloadSpec({
      job: { kind: "synthetic", duration_ms: 5 },
      load: { model: "open", rate: 50, duration: "1m" },
      thresholds: ["p95<10ms"],
    });
    expect(r.success).toBe(true);
    const s = r.data!;
    expect(s.load).toMatchObject({ model: "open", rate: 50, duration: 60_000, late_start_ms: 10 });
    expect(s.job).toMatchObject({ distribution: "fixed", failure_rate: 0, mode: "sleep" });
    expect(s.cost).toEqual({ price_per_second: 0.001, price_per_job: 0 });
    expect(s.thresholds[0]!.value).toBe(10);
    expect(s.graceful_stop).toBe(30_000);
  });

  it.each([
    [{ job: { kind: "synthetic" }, load: { model: "closed" } }, "load", "a closed load needs"],
    [
      { job: { kind: "synthetic" }, load: { model: "open", rate: 0, duration: "1s" } },
      "load.rate",
      "too_small",
    ],
    [
      { job: { kind: "synthetic" }, load: { model: "open", rate: 5, duration: "soon" } },
      "load.duration",
      "must be a duration",
    ],
    [
      { job: { kind: "synthetic", failure_rate: 2 }, load: { model: "closed", jobs: 1 } },
      "job.failure_rate",
      "too_big",
    ],
    [{ job: { kind: "ftp" }, load: { model: "closed", jobs: 1 } }, "job.kind", "invalid_union"],
    [
      { job: { kind: "http", url: "file:///etc/passwd" }, load: { model: "closed", jobs: 1 } },
      "job.url",
      "http:// or https://",
    ],
    [
      { job: { kind: "synthetic" }, load: { model: "closed", jobs: 1 }, colour: "red" },
      "colour",
      "unknown_field",
    ],
    [
      { job: { kind: "synthetic" }, load: { model: "closed", jobs: 1 }, thresholds: ["p95<<1"] },
      "thresholds.0",
      "is not a threshold",
    ],
    [
      {
        job: { kind: "synthetic" },
        load: { model: "stages", target: "concurrency", stages: [{ duration: "1s", target: 1.5 }] },
      },
      "load.stages",
      "integers",
    ],
  ])("rejects %j naming %s", (input, field, rule) => {
    const errors = errorsOf(input);
    const error = errors.find((e) => e.field === field);
    expect(error, JSON.stringify(errors)).toBeDefined();
    expect(`${error!.rule} ${error!.message}`).toContain(rule);
  });
});
