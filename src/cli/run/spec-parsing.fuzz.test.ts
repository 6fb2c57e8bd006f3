import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseWorkloadSpec } from "../../engine/index.js";
import { UsageError } from "../exit-codes.js";
import { type RunFlags, specFromFlags } from "./spec-from-flags.js";

/** What `aurea run` reads: flags as commander hands them over (strings), and spec files (JSON). */
const flagValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "10",
    "0",
    "-1",
    "1e309",
    "NaN",
    "0x10",
    "1.5",
    "99999999999999999999",
    "10s",
    "1m30s",
    "5ms",
    "__proto__",
    "",
  ),
);
const flags: fc.Arbitrary<RunFlags> = fc.record(
  {
    jobs: flagValue,
    concurrency: flagValue,
    durationMs: flagValue,
    distribution: fc.oneof(flagValue, fc.constantFrom("fixed", "uniform", "exponential", "normal")),
    failureRate: flagValue,
    url: fc.oneof(
      flagValue,
      fc.constantFrom("http://127.0.0.1:1/", "ftp://x", "http://[::1]:80/", "http://169.254.169.254/"),
    ),
    method: fc.oneof(flagValue, fc.constantFrom("GET", "post", "TRACE")),
    header: fc.array(fc.oneof(flagValue, fc.constantFrom("a: b", "x:", ":y", "__proto__: 1")), {
      maxLength: 3,
    }),
    body: flagValue,
    timeout: flagValue,
    expectStatus: fc.oneof(flagValue, fc.constantFrom("200", "200,201", "1000", "2xx")),
    connections: flagValue,
    pipelining: flagValue,
    rate: flagValue,
    duration: flagValue,
    stages: fc.oneof(flagValue, fc.constantFrom("30s:500,1m:500,10s:0", "x:1", "10s:", ":5", "1s:1e9")),
    threads: flagValue,
    threshold: fc.array(
      fc.oneof(flagValue, fc.constantFrom("p95<200ms", "error_rate<1%", "p(99.9)<1s", "cost<1$")),
      {
        maxLength: 3,
      },
    ),
    seed: flagValue,
    gracefulStop: flagValue,
  },
  { requiredKeys: [] },
);

const hostileJson = fc
  .jsonValue()
  .chain((v) =>
    fc.constantFrom(
      v,
      { job: v, load: v },
      { job: { kind: "synthetic" }, load: v },
      { __proto__: v, load: { model: "closed", jobs: v } },
    ),
  );

describe("the CLI's spec parsing under random and malformed input", () => {
  it("turns any flags into a spec or a usage error, and the spec into a workload or field errors: never a crash", () => {
    let cases = 0;
    fc.assert(
      fc.property(flags, (f) => {
        cases++;
        let input: unknown;
        try {
          input = specFromFlags(f);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          return;
        }
        const parsed = parseWorkloadSpec(input);
        if (!parsed.success) expect(parsed.error.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000, seed: 20261201 },
    );
    expect(cases).toBe(3000);
  });

  it("parses any JSON a spec file may hold into a workload or field errors, never throwing", () => {
    fc.assert(
      fc.property(hostileJson, (value) => {
        const parsed = parseWorkloadSpec(value);
        if (parsed.success) expect(["closed", "open", "stages"]).toContain(parsed.data.load.model);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 3000, seed: 20261201 },
    );
  });
});
