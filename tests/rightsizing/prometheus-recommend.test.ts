import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { collectUsage, seriesName } from "../../src/services/rightsizing/collect-usage.js";
import {
  MAX_POINTS_PER_REQUEST,
  PrometheusClient,
} from "../../src/services/rightsizing/prometheus-client.js";
import { standardQueries } from "../../src/services/rightsizing/usage-queries.js";
import { captureStream } from "../support/capture.js";
import { freePort } from "../support/redis.js";
import { hasCommand, requireTools } from "../support/tools.js";

const NAB = join(import.meta.dirname, "../fixtures/nab/ec2_cpu_utilization_53ea38.csv");
const hasPrometheus = hasCommand("prometheus") && hasCommand("promtool");
const DAY = 86_400;

async function aurea(...argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * A real Prometheus on a TSDB backfilled with promtool: NAB's CPU percent as the counter
 * container_cpu_usage_seconds_total of container "cart" (percent / 100 cores, one sample a
 * minute, ending now) and a memory gauge; a second container "web" at a constant half core.
 */
describe.skipIf(!hasPrometheus)(
  "aurea recommend --prometheus against a real Prometheus (prometheus/promtool missing: skipped)",
  () => {
    let dir: string;
    let prometheus: ChildProcess;
    let url: string;
    let end: number;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "aurea-rightsizing-prom-"));
      const rows = (await readFile(NAB, "utf8")).trim().split("\n").slice(1);
      const percent = rows.map((r) => Number(r.split(",")[1]));
      end = Math.floor(Date.now() / 1000 / 60) * 60 - 120;
      const minutes = percent.length * 5;
      const start = end - (minutes - 1) * 60;
      const lines = [
        "# TYPE container_cpu_usage_seconds_total counter",
        "# TYPE container_memory_working_set_bytes gauge",
      ];
      const cpu: string[] = [];
      const web: string[] = [];
      const memory: string[] = [];
      let counter = 0;
      let webCounter = 0;
      for (let m = 0; m < minutes; m++) {
        const t = start + m * 60;
        counter += ((percent[Math.floor(m / 5)] as number) / 100) * 60;
        webCounter += 0.5 * 60;
        cpu.push(
          `container_cpu_usage_seconds_total{namespace="shop",pod="cart-1",container="cart"} ${counter.toFixed(3)} ${t}`,
        );
        web.push(
          `container_cpu_usage_seconds_total{namespace="shop",pod="web-1",container="web"} ${webCounter} ${t}`,
        );
        memory.push(
          `container_memory_working_set_bytes{namespace="shop",pod="cart-1",container="cart"} ${Math.round(2e8 + 1e6 * (percent[Math.floor(m / 5)] as number))} ${t}`,
        );
      }
      await writeFile(
        join(dir, "data.om"),
        `${[lines[0], ...cpu, ...web, lines[1], ...memory].join("\n")}\n# EOF\n`,
      );
      const created = spawnSync(
        "promtool",
        ["tsdb", "create-blocks-from", "openmetrics", join(dir, "data.om"), join(dir, "tsdb")],
        {
          encoding: "utf8",
        },
      );
      if (created.status !== 0) throw new Error(`promtool failed: ${created.stderr}`);
      await writeFile(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      prometheus = spawn(
        "prometheus",
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "tsdb")}`,
          "--storage.tsdb.retention.time=60d",
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
      );
      for (let i = 0; i < 100; i++) {
        const ready = await fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("prometheus did not become ready");
    }, 60_000);

    afterAll(async () => {
      prometheus?.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      await rm(dir, { recursive: true, force: true });
    });

    it("splits a range longer than 11,000 points into requests and merges them without duplicates", async () => {
      const client = new PrometheusClient(url);
      const expr = 'container_memory_working_set_bytes{container="cart"}';
      const [series] = await client.queryRange(expr, end - 14 * DAY + 60, end, 60);
      expect(MAX_POINTS_PER_REQUEST).toBe(11_000);
      expect(series?.times.length).toBe(14 * 1440);
      expect(new Set(series?.times).size).toBe(series?.times.length);
    });

    it("collects CPU in cores and memory per container with the standard queries", async () => {
      const client = new PrometheusClient(url);
      const usage = await collectUsage(client, standardQueries("shop"), {
        startSeconds: end - 14 * DAY + 600,
        endSeconds: end,
        stepSeconds: 300,
      });
      expect(usage.series.map((s) => `${s.name}:${s.resource}`).sort()).toEqual([
        "shop/cart:cpu",
        "shop/cart:memory",
        "shop/web:cpu",
      ]);
      const web = usage.series.find((s) => s.name === "shop/web");
      expect(web?.values[100]).toBeCloseTo(0.5, 6);
      expect(seriesName({ job: "x" })).toBe("job=x");
    });

    it("recommends a workload from Prometheus as JSON, in cores and bytes", async () => {
      const r = await aurea(
        "recommend",
        "--prometheus",
        url,
        "--namespace",
        "shop",
        "--workload",
        "cart",
        "--json",
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const [rec] = JSON.parse(r.stdout).recommendations;
      expect(rec.name).toBe("shop/cart");
      // NAB 53ea38 is about 1.5–2.5 % CPU: 0.015–0.025 cores.
      expect(rec.cpu.request).toBeGreaterThan(0.015);
      expect(rec.cpu.request).toBeLessThan(0.03);
      expect(rec.memory.request).toBeGreaterThan(2e8);
      expect(rec.baselines.krr.memory.limit).toBeGreaterThan(2e8);
    });

    it("exits 1 with partial results when one container's usage is flat", async () => {
      const r = await aurea("recommend", "--prometheus", url, "--namespace", "shop", "--json");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("shop/web (cpu): no recommendation: flat: every sample is 0.5");
      expect(JSON.parse(r.stdout).recommendations.map((e: { name: string }) => e.name)).toEqual([
        "shop/cart",
      ]);
    });

    it("exits 1 naming the namespace when Prometheus has nothing for it", async () => {
      const r = await aurea("recommend", "--prometheus", url, "--namespace", "nowhere");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'Prometheus has no container usage for namespace "nowhere" in the last 14 days',
      );
    });

    it("exits 1 when a query returns more series than --max-series", async () => {
      const r = await aurea("recommend", "--prometheus", url, "--namespace", "shop", "--max-series", "1");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /returned 2 series, more than 1: narrow it \(--namespace, --workload\) or raise --max-series/,
      );
    });
  },
);

it("exits 1 naming an unreachable Prometheus after its retries", async () => {
  const port = await freePort();
  const r = await aurea("recommend", "--prometheus", `http://127.0.0.1:${port}`, "--namespace", "shop");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    `Prometheus at http://127.0.0.1:${port} is unreachable (ECONNREFUSED) after 4 attempts`,
  );
});

it.runIf(!hasPrometheus && requireTools)(
  "has prometheus and promtool installed when AUREA_REQUIRE_TOOLS=1",
  () => {
    expect.fail("prometheus/promtool are not on PATH (Debian package prometheus)");
  },
);
