import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { collectUsage, seriesName } from "../../src/services/rightsizing/collect-usage.js";
import {
  MAX_POINTS_PER_REQUEST,
  PrometheusClient,
} from "../../src/services/rightsizing/prometheus-client.js";
import { standardQueries } from "../../src/services/rightsizing/usage-queries.js";
import { captureStream } from "../support/capture.js";
import { type BackfilledPrometheus, hasPrometheus, startNabPrometheus } from "../support/prometheus.js";
import { freePort } from "../support/redis.js";
import { requireTools } from "../support/tools.js";

const DAY = 86_400;

async function aurea(...argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A real Prometheus backfilled by promtool with a NAB series as container "cart" (tests/support/prometheus.ts). */
describe.skipIf(!hasPrometheus)(
  "aurea recommend --prometheus against a real Prometheus (prometheus/promtool missing: skipped)",
  () => {
    let prometheus: BackfilledPrometheus;
    let url: string;
    let end: number;

    beforeAll(async () => {
      prometheus = await startNabPrometheus();
      url = prometheus.url;
      end = prometheus.end;
    }, 60_000);

    afterAll(() => prometheus?.stop());

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
