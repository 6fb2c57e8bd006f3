import { describe, expect, it } from "vitest";
import type { SeedResponse } from "../../src/api/routes/benchmark/seed-response.js";
import { testApps } from "../support/api-app.js";

const app = testApps();

/** ISO-8601 UTC with milliseconds, as the seed answers (`2024-05-01T12:00:00.123Z`). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const SEED_FIELDS = [
  "benchmark_id",
  "num_jobs",
  "completed_jobs",
  "throughput",
  "mean_latency",
  "total_cost",
  "duration",
  "start_time",
  "end_time",
  "jobs",
];

/** What Aurea answers beyond the seed. */
const ADDITIONS = [
  "jobs_truncated",
  "failed_jobs",
  "failures",
  "model",
  "concurrency",
  "latency",
  "cost",
  "thresholds",
  "thresholds_passed",
  "cancelled",
];

async function runOk(
  t: Awaited<ReturnType<typeof app>>,
  body: Record<string, unknown>,
): Promise<SeedResponse> {
  const response = await t.run(body);
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  return response.json<SeedResponse>();
}

describe("POST /benchmark/run: the seed contract", () => {
  it("runs 100 jobs of 100 ms in parallel and answers every seed field in seconds, ISO-8601 UTC and dollars", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 100, job_duration_ms: 100 });

    for (const field of SEED_FIELDS) expect(r).toHaveProperty(field);
    expect(r.benchmark_id).toMatch(/^benchmark-\S+$/);
    expect(r.num_jobs).toBe(100);
    expect(r.completed_jobs).toBe(100);
    expect(r.failed_jobs).toBe(0);

    // All 100 ran at once: the run takes one job's time, not a hundred.
    expect(r.duration).toBeGreaterThanOrEqual(0.095);
    expect(r.duration).toBeLessThan(0.5);
    expect(r.mean_latency).toBeGreaterThanOrEqual(0.099);
    expect(r.mean_latency).toBeLessThan(0.2);
    expect(r.throughput).toBeCloseTo(r.completed_jobs / r.duration, 6);
    expect(r.throughput).toBeGreaterThan(200);
    expect(r.throughput).toBeLessThanOrEqual(1000 * 1.06);

    // $0.001 per second of latency, summed over the jobs.
    expect(r.total_cost).toBeGreaterThanOrEqual(100 * 0.099 * 0.001);
    expect(r.total_cost).toBeLessThan(100 * 0.2 * 0.001);
    expect(r.total_cost).toBeCloseTo(100 * r.mean_latency * 0.001, 9);

    expect(r.start_time).toMatch(ISO_UTC);
    expect(r.end_time).toMatch(ISO_UTC);
    expect(Date.parse(r.end_time)).toBeGreaterThan(Date.parse(r.start_time));
    expect(Date.parse(r.end_time) - Date.parse(r.start_time)).toBeGreaterThanOrEqual(95);
  });

  it("answers the seed's fields and Aurea's documented additions, nothing else", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 3, job_duration_ms: 1 });
    expect(Object.keys(r).sort()).toEqual([...SEED_FIELDS, ...ADDITIONS].sort());
    expect(typeof r.benchmark_id).toBe("string");
    for (const field of ["num_jobs", "completed_jobs", "failed_jobs"] as const)
      expect(Number.isInteger(r[field]), field).toBe(true);
    for (const field of ["throughput", "mean_latency", "total_cost", "duration"] as const)
      expect(Number.isFinite(r[field]), field).toBe(true);
  });

  it("lists each job with its id, latency in seconds, status, cost and start time", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 100, job_duration_ms: 100 });

    expect(r.jobs).toHaveLength(100);
    expect(r.jobs_truncated).toBe(false);
    expect(new Set(r.jobs.map((j) => j.job_id)).size).toBe(100);
    for (const job of r.jobs) {
      expect(Object.keys(job).sort()).toEqual(["cost", "job_id", "latency", "start_time", "status"]);
      expect(job.status).toBe("completed");
      expect(job.latency).toBeGreaterThanOrEqual(0.099);
      expect(job.latency).toBeLessThan(0.3);
      expect(job.cost).toBeCloseTo(job.latency * 0.001, 12);
      expect(job.start_time).toMatch(ISO_UTC);
      expect(Date.parse(job.start_time)).toBeGreaterThanOrEqual(Date.parse(r.start_time));
      expect(Date.parse(job.start_time)).toBeLessThanOrEqual(Date.parse(r.end_time));
    }
    const listed = r.jobs.reduce((sum, job) => sum + job.cost, 0);
    expect(r.total_cost).toBeCloseTo(listed, 9);
  });

  it("adds latency percentiles in seconds that bracket the job duration", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 100, job_duration_ms: 100 });
    const l = r.latency;
    for (const key of ["mean", "min", "max", "p50", "p90", "p95", "p99", "p999"] as const) {
      expect(l[key], key).toBeGreaterThanOrEqual(0.099);
      expect(l[key], key).toBeLessThan(0.3);
    }
    expect(l.min!).toBeLessThanOrEqual(l.p50!);
    expect(l.p50!).toBeLessThanOrEqual(l.p90!);
    expect(l.p90!).toBeLessThanOrEqual(l.p95!);
    expect(l.p95!).toBeLessThanOrEqual(l.p99!);
    expect(l.p99!).toBeLessThanOrEqual(l.p999!);
    expect(l.p999!).toBeLessThanOrEqual(l.max! * 1.001);
    expect(r.model).toBe("closed");
    expect(r.concurrency).toBe(100);
  });

  it("gives every run its own benchmark id", async () => {
    const t = await app();
    const ids = await Promise.all(
      Array.from(
        { length: 5 },
        async () => (await runOk(t, { num_jobs: 1, job_duration_ms: 0 })).benchmark_id,
      ),
    );
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id.startsWith("benchmark-")).toBe(true);
  });
});

describe("POST /benchmark/run: optional fields", () => {
  it("runs at most `concurrency` jobs at a time: 10 jobs of 20 ms at concurrency 2 take five waves", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 10, job_duration_ms: 20, concurrency: 2 });
    expect(r.completed_jobs).toBe(10);
    expect(r.concurrency).toBe(2);
    expect(r.duration).toBeGreaterThanOrEqual(0.095);
    expect(r.duration).toBeLessThan(0.5);
    // Queueing is not latency: each job still took about 20 ms.
    expect(r.mean_latency).toBeGreaterThanOrEqual(0.019);
    expect(r.mean_latency).toBeLessThan(0.06);
  });

  it("fails about `failure_rate` of the jobs, counted by reason and marked in the job list", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 200, job_duration_ms: 0, failure_rate: 0.5, seed: 42 });
    expect(r.failed_jobs).toBeGreaterThan(50);
    expect(r.failed_jobs).toBeLessThan(150);
    expect(r.completed_jobs + r.failed_jobs).toBe(200);
    expect(r.failures).toEqual({ synthetic_failure: r.failed_jobs });
    const failed = r.jobs.filter((j) => j.status === "failed");
    expect(failed).toHaveLength(r.failed_jobs);
    for (const job of failed) expect(job.error).toBe("synthetic_failure");
  });

  it("repeats the same outcome for the same seed", async () => {
    const t = await app();
    const body = { num_jobs: 300, job_duration_ms: 0, failure_rate: 0.3, seed: 1234 };
    const first = await runOk(t, body);
    const second = await runOk(t, body);
    expect(first.failed_jobs).toBeGreaterThan(0);
    expect(second.failed_jobs).toBe(first.failed_jobs);
    expect(second.completed_jobs).toBe(first.completed_jobs);
    expect(second.jobs.map((j) => j.status)).toEqual(first.jobs.map((j) => j.status));
  });

  it("draws job durations from `distribution`: uniform 50 ± 20 ms spreads between 30 and 70 ms", async () => {
    const t = await app();
    const r = await runOk(t, {
      num_jobs: 40,
      job_duration_ms: 50,
      distribution: "uniform",
      spread_ms: 20,
      seed: 7,
    });
    expect(r.latency.min!).toBeGreaterThanOrEqual(0.029);
    expect(r.latency.max!).toBeLessThan(0.12);
    expect(r.latency.max! - r.latency.min!).toBeGreaterThan(0.015);
    expect(r.latency.stddev!).toBeGreaterThan(0.005);
  });

  it("busy-waits in mode cpu, so jobs hold the thread and run one after another", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 4, job_duration_ms: 20, mode: "cpu" });
    expect(r.completed_jobs).toBe(4);
    expect(r.mean_latency).toBeGreaterThanOrEqual(0.019);
    // Sleeping jobs would overlap (about 20 ms); busy ones add up to about 80 ms.
    expect(r.duration).toBeGreaterThanOrEqual(0.075);
    expect(r.duration).toBeLessThan(0.5);
  });

  it("starts jobs at `rate` per second in the open model: 20 jobs at 200/s arrive over about 100 ms", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 20, job_duration_ms: 1, rate: 200 });
    expect(r.model).toBe("open");
    expect(r.completed_jobs).toBeGreaterThanOrEqual(19);
    expect(r.completed_jobs).toBeLessThanOrEqual(20);
    expect(r.duration).toBeGreaterThanOrEqual(0.08);
    expect(r.duration).toBeLessThan(0.5);
    expect(r.mean_latency).toBeGreaterThanOrEqual(0.0009);
    expect(r.mean_latency).toBeLessThan(0.05);
  });

  it("ends the run after `duration` even when jobs remain", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 1000, job_duration_ms: 50, concurrency: 1, duration: "200ms" });
    expect(r.num_jobs).toBe(1000);
    expect(r.completed_jobs).toBeGreaterThanOrEqual(2);
    expect(r.completed_jobs).toBeLessThanOrEqual(5);
    expect(r.duration).toBeGreaterThanOrEqual(0.19);
    expect(r.duration).toBeLessThan(0.5);
  });

  it("prices jobs with `price_per_second` and `price_per_job`", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 10, job_duration_ms: 10, price_per_second: 1, price_per_job: 0.5 });
    const latencySeconds = r.jobs.reduce((sum, job) => sum + job.latency, 0);
    expect(r.total_cost).toBeCloseTo(latencySeconds * 1 + 10 * 0.5, 9);
    expect(r.total_cost).toBeGreaterThan(5.09);
    expect(r.total_cost).toBeLessThan(5.5);
    expect(r.cost).toMatchObject({ price_per_second: 1, price_per_job: 0.5 });
    for (const job of r.jobs) expect(job.cost).toBeCloseTo(job.latency + 0.5, 12);
  });

  it("answers threshold verdicts, failing ones included, with status 200", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 10, job_duration_ms: 10, thresholds: ["p95<1ms", "error_rate<1%"] });
    expect(r.thresholds).toEqual([
      expect.objectContaining({ expression: "p95<1ms", metric: "p95", op: "<", threshold: 1, pass: false }),
      expect.objectContaining({ expression: "error_rate<1%", metric: "error_rate", actual: 0, pass: true }),
    ]);
    expect(r.thresholds[0]!.actual!).toBeGreaterThanOrEqual(9.9);
    expect(r.thresholds_passed).toBe(false);
  });

  it("passes when every threshold holds", async () => {
    const t = await app();
    const r = await runOk(t, { num_jobs: 10, job_duration_ms: 10, thresholds: ["p99<5s", "throughput>1"] });
    expect(r.thresholds.map((v) => v.pass)).toEqual([true, true]);
    expect(r.thresholds_passed).toBe(true);
  });
});

describe("POST /benchmark/run: the job list is capped", () => {
  it("lists at most AUREA_MAX_JOB_RECORDS jobs and says the list is truncated", async () => {
    const t = await app({ env: { AUREA_MAX_JOB_RECORDS: "5" } });
    const r = await runOk(t, { num_jobs: 50, job_duration_ms: 0 });
    expect(r.completed_jobs).toBe(50);
    expect(r.jobs).toHaveLength(5);
    expect(r.jobs_truncated).toBe(true);
  });

  it("runs 200,000 zero-millisecond jobs quickly and answers a capped list", async () => {
    const t = await app();
    const began = performance.now();
    const response = await t.run({ num_jobs: 200_000, job_duration_ms: 0 });
    const elapsedMs = performance.now() - began;
    expect(response.statusCode).toBe(200);
    const r = response.json<SeedResponse>();
    expect(r.completed_jobs).toBe(200_000);
    expect(r.jobs).toHaveLength(1000);
    expect(r.jobs_truncated).toBe(true);
    expect(response.body.length).toBeLessThan(1_000_000);
    expect(elapsedMs).toBeLessThan(10_000);
  });
});
