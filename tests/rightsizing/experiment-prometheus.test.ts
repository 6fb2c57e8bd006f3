import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { captureStream } from "../support/capture.js";
import { freePort } from "../support/redis.js";
import { hasCommand, requireTools } from "../support/tools.js";
import { closedPort, startCapacityTarget } from "./experiment-target.js";

const hasPrometheus = hasCommand("prometheus");
/** CPU each request of the target burns, ms: 4 ms → 0.004 cores per request/s. */
const WORK_MS = 4;

async function aurea(argv: string[], stderr = captureStream()) {
  const stdout = captureStream();
  const code = await execute(["experiment", ...argv], { stdout, stderr }, {});
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * The target as its own process (its CPU must not be the load generator's): each request burns
 * WORK_MS of CPU; /metrics is prom-client's process metrics, scraped by Prometheus.
 */
function startBusyTarget(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const http = require("node:http");
    const client = require("prom-client");
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const server = http.createServer(async (req, res) => {
      if (req.url === "/metrics") {
        res.setHeader("content-type", registry.contentType);
        res.end(await registry.metrics());
        return;
      }
      const until = performance.now() + ${WORK_MS};
      while (performance.now() < until) {}
      res.end("ok");
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));
  `;
  const child = spawn(process.execPath, ["-e", script], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    child.once("exit", (code) => reject(new Error(`target exited (${code})`)));
  });
}

describe.skipIf(!hasPrometheus && !requireTools)(
  "aurea experiment with a real Prometheus scraping the target every second (prometheus missing: skipped)",
  () => {
    let dir: string;
    let target: { child: ChildProcess; port: number };
    let prometheus: ChildProcess;
    let prometheusUrl: string;
    const queries = [
      "--cpu-query",
      'rate(process_cpu_seconds_total{job="target"}[$rate_window])',
      "--memory-query",
      'process_resident_memory_bytes{job="target"}',
      "--rate-window",
      "3s",
      "--resolution",
      "1s",
    ];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "aurea-experiment-prom-"));
      target = await startBusyTarget();
      await writeFile(
        join(dir, "prometheus.yml"),
        [
          "global:",
          "  scrape_interval: 1s",
          "  evaluation_interval: 1s",
          "scrape_configs:",
          "  - job_name: target",
          "    static_configs:",
          `      - targets: ["127.0.0.1:${target.port}"]`,
          "",
        ].join("\n"),
      );
      const port = await freePort();
      prometheusUrl = `http://127.0.0.1:${port}`;
      prometheus = spawn(
        "prometheus",
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "tsdb")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
      );
      // Ready, and the target scraped a few times (rate() needs two samples in its window).
      for (let i = 0; i < 150; i++) {
        const samples = await fetch(
          `${prometheusUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="target"}[1m])')}`,
        ).then(
          async (r) =>
            Number(
              ((await r.json()) as { data?: { result?: { value: [number, string] }[] } }).data?.result?.[0]
                ?.value[1] ?? 0,
            ),
          () => 0,
        );
        if (samples >= 3) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("prometheus did not scrape the target");
    }, 60_000);

    afterAll(async () => {
      prometheus?.kill("SIGTERM");
      target?.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      await rm(dir, { recursive: true, force: true });
    });

    it("reads each step's CPU and memory over its window and fits CPU per unit of load", async () => {
      const csv = join(dir, "steps.csv");
      const metadata = join(dir, "metadata.json");
      const r = await aurea([
        "--url",
        `http://127.0.0.1:${target.port}/`,
        "--rates",
        "25,50,100",
        "--step",
        "3s",
        "--warmup",
        "3s",
        "--slo",
        "p95<1s",
        "--continue-after-failure",
        "--prometheus",
        prometheusUrl,
        ...queries,
        "--json",
        "--csv",
        csv,
        "--metadata",
        metadata,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      const cpu = report.steps.map(
        (s: { measurements: { cpu_cores: { avg: number } } }) => s.measurements.cpu_cores.avg,
      );
      // 25, 50 and 100 jobs/s × 4 ms: ~0.1, 0.2 and 0.4 cores of work, plus the server's own.
      expect(cpu[0]).toBeGreaterThan(0.25 * 25 * (WORK_MS / 1000));
      expect(cpu[1]).toBeGreaterThan(cpu[0]);
      expect(cpu[2]).toBeGreaterThan(cpu[1]);
      expect(cpu[2]).toBeLessThan(1);
      for (const s of report.steps) {
        expect(s.measurements.cpu_cores.max).toBeGreaterThanOrEqual(s.measurements.cpu_cores.avg);
        expect(s.measurements.cpu_cores.points).toBeGreaterThanOrEqual(3);
        expect(s.measurements.memory_bytes.avg).toBeGreaterThan(10 * 2 ** 20);
        expect(s.measurements.problems).toEqual([]);
      }
      const fit = report.result.cpu_per_load;
      expect(fit.points).toBe(3);
      expect(fit.slope).toBeGreaterThan(0.6 * (WORK_MS / 1000));
      expect(fit.slope).toBeLessThan(2 * (WORK_MS / 1000));
      expect(fit.r2).toBeGreaterThan(0.9);
      expect(report.result.memory_per_load.points).toBe(3);
      expect(report.result.status).toBe("lower_bound");

      const [header, ...rows] = (await readFile(csv, "utf8")).trim().split("\n");
      const column = header!.split(",").indexOf("cpu_cores_avg");
      expect(rows.map((row) => Number(row.split(",")[column]))).toEqual(cpu);
      const meta = JSON.parse(await readFile(metadata, "utf8"));
      expect(meta.prometheus).toMatchObject({
        url: prometheusUrl,
        resolution: "1s",
        rate_window: "3s",
        queries: { cpu: 'rate(process_cpu_seconds_total{job="target"}[3s])' },
      });
      expect(meta.quality).toMatchObject({ steps_with_cpu: 3, steps_with_memory: 3, problems: [] });
    }, 90_000);

    it("notes a query without data for the window, and still judges the step", async () => {
      const r = await aurea([
        "--url",
        `http://127.0.0.1:${target.port}/`,
        "--rates",
        "10",
        "--step",
        "1s",
        "--warmup",
        "1s",
        "--prometheus",
        prometheusUrl,
        ...queries,
        "--memory-query",
        'process_resident_memory_bytes{job="absent"}',
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const [step] = JSON.parse(r.stdout).steps;
      expect(step.measurements.memory_bytes).toBeNull();
      expect(step.measurements.cpu_cores.avg).toBeGreaterThan(0);
      expect(step.measurements.problems).toEqual(["the memory query returned no data for the step's window"]);
    }, 60_000);

    it("keeps the steps measured when Prometheus goes away mid-experiment (exit 1)", async () => {
      const stderr = captureStream();
      (stderr as unknown as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("step 1/")) prometheus.kill("SIGKILL");
      });
      const r = await aurea(
        [
          "--url",
          `http://127.0.0.1:${target.port}/`,
          "--rates",
          "10,20",
          "--step",
          "1s",
          "--warmup",
          "1s",
          "--prometheus",
          prometheusUrl,
          ...queries,
          "--json",
        ],
        stderr,
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /aurea: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\) after 4 attempts/,
      );
      const report = JSON.parse(r.stdout);
      expect(report.steps).toHaveLength(1);
      expect(report.steps[0]).toMatchObject({
        status: "complete",
        measurements: { cpu_cores: null, slo_passed: true },
      });
      expect(report.steps[0].measurements.problems[0]).toMatch(/^resource use not read: Prometheus at/);
      expect(report.result).toMatchObject({ status: "lower_bound", steps_complete: 1 });
    }, 60_000);
  },
);

describe("aurea experiment with a Prometheus that does not answer", () => {
  it("says so before sending any load (exit 1)", async () => {
    const target = await startCapacityTarget();
    try {
      const r = await aurea([
        "--url",
        target.url,
        "--rates",
        "10",
        "--prometheus",
        `http://127.0.0.1:${await closedPort()}`,
        "--namespace",
        "shop",
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /aurea: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\) after 4 attempts/,
      );
      expect(r.stdout).toMatch(/no step completed/);
      expect(target.requests).toBe(0);
    } finally {
      await target.close();
    }
  });
});
