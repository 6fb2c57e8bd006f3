import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/api/errors.js";
import { sample, type TestApp, testApps } from "../support/api-app.js";

const app = testApps();

/** POSTs `payload` as is, with the given content type (`null`: no content-type header). */
const postRaw = (t: TestApp, payload: string, contentType: string | null = "application/json") =>
  t.app.inject({
    method: "POST",
    url: "/benchmark/run",
    payload,
    ...(contentType ? { headers: { "content-type": contentType } } : {}),
  });

/** Asserts a JSON error body with this status and code, and returns it. */
function errorOf(response: LightMyRequestResponse, statusCode: number, error: string): ErrorBody {
  expect(response.statusCode, response.body).toBe(statusCode);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  const body = response.json<ErrorBody>();
  expect(body).toMatchObject({ statusCode, error });
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  expect(response.body).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
  return body;
}

const ok = { num_jobs: 1, job_duration_ms: 0 };

describe("POST /benchmark/run rejects bad fields with 400 naming the field and the rule", () => {
  it.each<[string, string, string, Record<string, unknown>]>([
    ["a missing num_jobs", "num_jobs", "invalid_type", { job_duration_ms: 1 }],
    ["num_jobs 0", "num_jobs", "too_small", { ...ok, num_jobs: 0 }],
    ["a fractional num_jobs", "num_jobs", "invalid_type", { ...ok, num_jobs: 1.5 }],
    ["num_jobs as a string", "num_jobs", "invalid_type", { ...ok, num_jobs: "10" }],
    ["num_jobs above 1,000,000", "num_jobs", "too_big", { ...ok, num_jobs: 1_000_001 }],
    ["num_jobs null", "num_jobs", "invalid_type", { ...ok, num_jobs: null }],
    ["a missing job_duration_ms", "job_duration_ms", "invalid_type", { num_jobs: 1 }],
    ["a negative job_duration_ms", "job_duration_ms", "too_small", { ...ok, job_duration_ms: -1 }],
    ["job_duration_ms above 600,000", "job_duration_ms", "too_big", { ...ok, job_duration_ms: 600_001 }],
    ["concurrency 0", "concurrency", "too_small", { ...ok, concurrency: 0 }],
    ["failure_rate above 1", "failure_rate", "too_big", { ...ok, failure_rate: 1.5 }],
    ["an unknown mode", "mode", "invalid_value", { ...ok, mode: "gpu" }],
    ["an unknown distribution", "distribution", "invalid_value", { ...ok, distribution: "zipf" }],
    ["rate 0", "rate", "too_small", { ...ok, rate: 0 }],
    ["a duration that is not one", "duration", "custom", { ...ok, duration: "soon" }],
    ["a negative seed", "seed", "too_small", { ...ok, seed: -1 }],
    ["thresholds not in a list", "thresholds", "invalid_type", { ...ok, thresholds: "p95<1s" }],
    ["an unknown field", "jobs", "unknown_field", { ...ok, jobs: 5 }],
  ])("rejects %s (%s: %s)", async (_name, field, rule, body) => {
    const t = await app();
    const error = errorOf(await t.run(body), 400, "validation_error");
    expect(error.details).toContainEqual({ field, rule, message: expect.any(String) });
  });

  it("names every bad field at once", async () => {
    const t = await app();
    const error = errorOf(
      await t.run({ num_jobs: 0, job_duration_ms: -5, colour: "red" }),
      400,
      "validation_error",
    );
    expect(error.details!.map((d) => d.field).sort()).toEqual(["colour", "job_duration_ms", "num_jobs"]);
  });

  it("explains the range in the message: num_jobs must be an integer from 1 to 1000000", async () => {
    const t = await app();
    const error = errorOf(await t.run({ ...ok, num_jobs: 0 }), 400, "validation_error");
    expect(error.details).toEqual([
      { field: "num_jobs", rule: "too_small", message: "must be an integer from 1 to 1000000" },
    ]);
  });

  it("rejects an invalid threshold expression at thresholds.<index>", async () => {
    const t = await app();
    const error = errorOf(
      await t.run({ ...ok, thresholds: ["p95<1s", "p95 about 3"] }),
      400,
      "validation_error",
    );
    expect(error.details).toEqual([
      { field: "thresholds.1", rule: "custom", message: expect.stringContaining("p95 about 3") },
    ]);
    const first = errorOf(await t.run({ ...ok, thresholds: ["fast please"] }), 400, "validation_error");
    expect(first.details![0]!.field).toBe("thresholds.0");
  });

  it("honours a configured lower AUREA_MAX_JOBS_PER_RUN", async () => {
    const t = await app({ env: { AUREA_MAX_JOBS_PER_RUN: "50" } });
    const error = errorOf(await t.run({ ...ok, num_jobs: 51 }), 400, "validation_error");
    expect(error.details).toEqual([
      { field: "num_jobs", rule: "too_big", message: "must be an integer from 1 to 50" },
    ]);
    expect((await t.run({ ...ok, num_jobs: 50 })).statusCode).toBe(200);
  });

  it("refuses a run that would outlast AUREA_MAX_RUN_SECONDS with run_too_long, before running anything", async () => {
    const t = await app({ env: { AUREA_MAX_RUN_SECONDS: "1" } });
    const began = performance.now();
    const error = errorOf(
      await t.run({ num_jobs: 10, job_duration_ms: 1000, concurrency: 2 }),
      400,
      "run_too_long",
    );
    expect(performance.now() - began).toBeLessThan(500);
    expect(error.message).toContain("1 s");
    expect(error.details).toEqual([
      { field: "num_jobs", rule: "max_run_seconds", message: expect.any(String) },
    ]);
    expect(sample(await t.metrics(), "benchmark_runs_total")).toBe(0);
  });

  it("refuses an open-model run whose arrivals alone outlast AUREA_MAX_RUN_SECONDS", async () => {
    const t = await app({ env: { AUREA_MAX_RUN_SECONDS: "1" } });
    errorOf(await t.run({ num_jobs: 1000, job_duration_ms: 0, rate: 10 }), 400, "run_too_long");
  });

  it("refuses a duration longer than AUREA_MAX_RUN_SECONDS", async () => {
    const t = await app({ env: { AUREA_MAX_RUN_SECONDS: "10" } });
    const error = errorOf(await t.run({ ...ok, duration: "1m" }), 400, "validation_error");
    expect(error.details).toEqual([
      { field: "duration", rule: "custom", message: "must be at most 10 seconds" },
    ]);
  });
});

describe("POST /benchmark/run rejects bodies that are not a JSON object", () => {
  it("answers invalid_json for malformed JSON", async () => {
    const t = await app();
    errorOf(await postRaw(t, '{"num_jobs": 10, "job_duration_ms":'), 400, "invalid_json");
  });

  it("answers invalid_json for an empty body sent as JSON", async () => {
    const t = await app();
    errorOf(await postRaw(t, ""), 400, "invalid_json");
  });

  it.each([
    ["an array", "[]"],
    ["null", "null"],
    ["a string", '"run please"'],
    ["a number", "100"],
  ])("answers 400 for %s, naming the whole document", async (_name, payload) => {
    const t = await app();
    const error = errorOf(await postRaw(t, payload), 400, "validation_error");
    expect(error.details).toEqual([{ field: "(root)", rule: "invalid_type", message: expect.any(String) }]);
  });

  it.each(["text/plain", "application/x-www-form-urlencoded", "application/xml"])(
    "answers 415 for content type %s",
    async (contentType) => {
      const t = await app();
      errorOf(await postRaw(t, "num_jobs=1&job_duration_ms=0", contentType), 415, "unsupported_media_type");
    },
  );

  it("answers 415 for a body without a content type", async () => {
    const t = await app();
    errorOf(await postRaw(t, JSON.stringify(ok), null), 415, "unsupported_media_type");
  });

  it("answers 413 for a body larger than AUREA_MAX_BODY_BYTES, and accepts one below it", async () => {
    const t = await app({ env: { AUREA_MAX_BODY_BYTES: "1024" } });
    const padded = JSON.stringify({ ...ok, thresholds: Array.from({ length: 100 }, () => "p99<10s") });
    expect(padded.length).toBeGreaterThan(1024);
    errorOf(await postRaw(t, padded), 413, "body_too_large");
    const small = JSON.stringify({ ...ok, thresholds: ["p99<10s"] });
    expect((await postRaw(t, small)).statusCode).toBe(200);
  });

  it.each([
    ["__proto__", '{"num_jobs": 1, "job_duration_ms": 0, "__proto__": {"polluted": true}}'],
    [
      "constructor",
      '{"num_jobs": 1, "job_duration_ms": 0, "constructor": {"prototype": {"polluted": true}}}',
    ],
  ])("refuses a %s key with 400 and leaves Object.prototype alone", async (_key, payload) => {
    const t = await app();
    const response = await postRaw(t, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>()).toMatchObject({ statusCode: 400, error: "forbidden_key" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("never answers 500 to a hostile mix of inputs", async () => {
    const t = await app();
    const payloads = [
      "{",
      "}",
      "[[[[[[[[[[",
      '{"num_jobs": 1e400, "job_duration_ms": 0}',
      '{"num_jobs": -0, "job_duration_ms": 0}',
      '{"num_jobs": 1, "job_duration_ms": 0, "thresholds": [null]}',
      '{"num_jobs": 1, "job_duration_ms": 0, "thresholds": [{"p95": 1}]}',
      '{"num_jobs": 1, "job_duration_ms": 0, "duration": {"s": 1}}',
      '{"num_jobs": 1, "job_duration_ms": 0, "seed": 1e20}',
      '{"num_jobs": 1, "job_duration_ms": "NaN"}',
      "\u0000",
      '{"num_jobs": 1, "job_duration_ms": 0, "": 1}',
    ];
    for (const payload of payloads) {
      const response = await postRaw(t, payload);
      expect(response.statusCode, payload).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, payload).toBeLessThan(500);
      expect(response.json<ErrorBody>().statusCode, payload).toBe(response.statusCode);
    }
  });
});
