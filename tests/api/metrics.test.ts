import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { SeedResponse } from "../../src/api/routes/benchmark/seed-response.js";
import { metricTypes, sample, TEST_VERSION, testApps } from "../support/api-app.js";

const app = testApps();

const SEED_METRICS = {
  benchmark_runs_total: "counter",
  benchmark_jobs_total: "counter",
  benchmark_throughput_jobs_per_second: "gauge",
  benchmark_mean_latency_seconds: "gauge",
  benchmark_cost_total: "counter",
  benchmark_job_duration_seconds: "histogram",
};

const bucket = (le: string) => `benchmark_job_duration_seconds_bucket{le="${le}"}`;

describe("GET /metrics and GET /api/metrics", () => {
  it.each(["/metrics", "/api/metrics"])("%s answers Prometheus text format 0.0.4", async (url) => {
    const t = await app();
    const response = await t.app.inject({ method: "GET", url });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain("# TYPE benchmark_runs_total counter");
  });

  it("exposes exactly the seed metrics under benchmark_, with the seed's types", async () => {
    const t = await app();
    const types = metricTypes(await t.metrics());
    const seed = Object.fromEntries([...types].filter(([name]) => name.startsWith("benchmark_")));
    expect(seed).toEqual(SEED_METRICS);
  });

  it("buckets job durations from 1 ms to 10 minutes, then +Inf", async () => {
    const t = await app();
    const text = await t.metrics();
    const les = [...text.matchAll(/^benchmark_job_duration_seconds_bucket\{le="([^"]+)"\}/gm)].map(
      (m) => m[1]!,
    );
    expect(les[0]).toBe("0.001");
    expect(les.at(-2)).toBe("600");
    expect(les.at(-1)).toBe("+Inf");
    const bounds = les.slice(0, -1).map(Number);
    for (let i = 1; i < bounds.length; i++) expect(bounds[i]!).toBeGreaterThan(bounds[i - 1]!);
    expect(bounds).toEqual(expect.arrayContaining([0.05, 0.1, 0.25]));
  });

  it("starts from zero in a fresh registry", async () => {
    const t = await app();
    const text = await t.metrics();
    expect(sample(text, "benchmark_runs_total")).toBe(0);
    expect(sample(text, "benchmark_jobs_total")).toBe(0);
    expect(sample(text, "benchmark_cost_total")).toBe(0);
    expect(sample(text, bucket("+Inf"))).toBe(0);
  });

  it("accounts for a run of 100 jobs of 100 ms", async () => {
    const t = await app();
    const r = (await t.run({ num_jobs: 100, job_duration_ms: 100 })).json<SeedResponse>();
    const text = await t.metrics();

    expect(sample(text, "benchmark_runs_total")).toBe(1);
    expect(sample(text, "benchmark_jobs_total")).toBe(100);
    expect(sample(text, "benchmark_job_duration_seconds_count")).toBe(100);
    expect(sample(text, bucket("0.05"))).toBe(0);
    expect(sample(text, bucket("0.25"))).toBe(100);
    expect(sample(text, bucket("+Inf"))).toBe(100);
    expect(sample(text, "benchmark_job_duration_seconds_sum")!).toBeCloseTo(100 * r.mean_latency, 3);
    expect(sample(text, "benchmark_cost_total")!).toBeCloseTo(r.total_cost, 9);
    expect(sample(text, "benchmark_cost_total")!).toBeCloseTo(100 * 0.1 * 0.001, 3);
    expect(sample(text, "benchmark_mean_latency_seconds")!).toBeCloseTo(r.mean_latency, 9);
    expect(sample(text, "benchmark_throughput_jobs_per_second")!).toBeCloseTo(r.throughput, 6);
  });

  it("adds up counters across runs and shows the latest run in the gauges", async () => {
    const t = await app();
    const first = (await t.run({ num_jobs: 100, job_duration_ms: 100 })).json<SeedResponse>();
    const second = (
      await t.run({ num_jobs: 30, job_duration_ms: 10, failure_rate: 0.5, seed: 3 })
    ).json<SeedResponse>();
    expect(second.failed_jobs).toBeGreaterThan(0);
    const text = await t.metrics();

    expect(sample(text, "benchmark_runs_total")).toBe(2);
    expect(sample(text, "benchmark_jobs_total")).toBe(130);
    expect(sample(text, "benchmark_job_duration_seconds_count")).toBe(130);
    expect(sample(text, bucket("0.05"))).toBe(30);
    expect(sample(text, "benchmark_cost_total")!).toBeCloseTo(first.total_cost + second.total_cost, 9);
    expect(sample(text, "benchmark_mean_latency_seconds")!).toBeCloseTo(second.mean_latency, 9);
    expect(sample(text, "benchmark_throughput_jobs_per_second")!).toBeCloseTo(second.throughput, 6);
  });

  it("does not count rejected requests as runs", async () => {
    const t = await app();
    await t.run({ num_jobs: 0, job_duration_ms: 1 });
    expect(sample(await t.metrics(), "benchmark_runs_total")).toBe(0);
  });

  it("counts API requests by method, route template and status, with unknown paths as unmatched", async () => {
    const t = await app();
    await t.run({ num_jobs: 1, job_duration_ms: 0 });
    await t.run({ num_jobs: 0, job_duration_ms: 0 });
    await t.run({ num_jobs: 0, job_duration_ms: 0 });
    await t.app.inject({ method: "GET", url: "/health" });
    await t.app.inject({ method: "GET", url: "/no/such/path-4711?x=1" });
    await t.app.inject({ method: "DELETE", url: "/benchmark/run/abc" });
    const text = await t.metrics();

    const requests = (labels: string) => sample(text, `aurea_http_requests_total{${labels}}`);
    expect(requests('method="POST",route="/benchmark/run",status_code="200"')).toBe(1);
    expect(requests('method="POST",route="/benchmark/run",status_code="400"')).toBe(2);
    expect(requests('method="GET",route="/health",status_code="200"')).toBe(1);
    expect(requests('method="GET",route="unmatched",status_code="404"')).toBe(1);
    expect(requests('method="DELETE",route="unmatched",status_code="404"')).toBe(1);
    expect(text).not.toContain("path-4711");
    expect(text).not.toContain("/benchmark/run/abc");

    expect(metricTypes(text).get("aurea_http_request_duration_seconds")).toBe("histogram");
    expect(
      sample(
        text,
        'aurea_http_request_duration_seconds_count{method="POST",route="/benchmark/run",status_code="400"}',
      ),
    ).toBe(2);
    expect(metricTypes(text).get("aurea_http_requests_in_flight")).toBe("gauge");
    // The scrape itself is in flight while the text is rendered.
    expect(sample(text, "aurea_http_requests_in_flight")).toBe(1);
  });

  it("includes Node process metrics and aurea_build_info", async () => {
    const t = await app();
    const text = await t.metrics();
    const types = metricTypes(text);
    expect(types.get("process_cpu_user_seconds_total")).toBe("counter");
    expect(sample(text, "process_cpu_user_seconds_total")!).toBeGreaterThan(0);
    expect(types.get("nodejs_heap_size_used_bytes")).toBe("gauge");
    expect(types.get("aurea_build_info")).toBe("gauge");
    expect(
      sample(text, `aurea_build_info{version="${TEST_VERSION}",node_version="${process.version}"}`),
    ).toBe(1);
  });
});

const PROMTOOL = "promtool";
const hasPromtool = spawnSync(PROMTOOL, ["--version"], { stdio: "ignore" }).status === 0;
const requireTools = process.env.AUREA_REQUIRE_TOOLS === "1";

/** Runs `promtool check metrics` on `text`; its findings, one per line. */
function promtoolFindings(text: string): string[] {
  const result = spawnSync(PROMTOOL, ["check", "metrics"], {
    input: text,
    encoding: "utf8",
    timeout: 10_000,
  });
  if (result.error) throw result.error;
  return `${result.stdout}\n${result.stderr}`
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

describe("promtool check metrics", () => {
  it.runIf(!hasPromtool && requireTools)("is installed when AUREA_REQUIRE_TOOLS=1", () => {
    expect.fail("promtool is not on PATH (Debian package prometheus); AUREA_REQUIRE_TOOLS=1 requires it");
  });

  it.skipIf(!hasPromtool)(
    "reports a known problem, so that silence below means something (promtool missing: skipped)",
    () => {
      const findings = promtoolFindings(
        "# HELP aurea_bad A counter.\n# TYPE aurea_bad counter\naurea_bad 1\n",
      );
      expect(findings.some((line) => line.includes("aurea_bad") && line.includes("_total"))).toBe(true);
    },
  );

  it.skipIf(!hasPromtool)(
    "reports nothing about Aurea's own metrics after a few runs and requests (promtool missing: skipped)",
    async () => {
      const t = await app();
      await t.run({ num_jobs: 100, job_duration_ms: 10 });
      await t.run({ num_jobs: 20, job_duration_ms: 1, failure_rate: 0.5, thresholds: ["p95<1s"] });
      await t.run({ num_jobs: 0, job_duration_ms: 0 });
      await t.app.inject({ method: "GET", url: "/nowhere" });
      const text = await t.metrics();
      const findings = promtoolFindings(text);
      const others = findings.filter((line) => !/\b(benchmark|aurea)_/.test(line));
      if (others.length > 0)
        console.info(`promtool notes on metrics that are not Aurea's:\n${others.join("\n")}`);
      expect(findings.filter((line) => /\b(benchmark|aurea)_/.test(line))).toEqual([]);
    },
  );
});

if (!hasPromtool && !requireTools) {
  console.warn("promtool not found on PATH (Debian package prometheus): skipping the promtool checks");
}
