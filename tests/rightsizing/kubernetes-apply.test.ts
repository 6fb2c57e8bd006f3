import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { captureStream } from "../support/capture.js";
import {
  deployment,
  horizontalPodAutoscaler,
  type KubeStandIn,
  type RecordedRequest,
  startKubeApiServerStandIn,
} from "../support/kube-apiserver-standin.js";
import { closedPort } from "../support/local-server.js";
import { freePort } from "../support/redis.js";
import { hasCommand, requireTools } from "../support/tools.js";

const NAB = join(import.meta.dirname, "../fixtures/nab/ec2_cpu_utilization_53ea38.csv");
const hasPrometheus = hasCommand("prometheus") && hasCommand("promtool");
const DAY_MINUTES = 1440;

async function aurea(env: Record<string, string | undefined>, ...argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(argv, { stdout, stderr }, env);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Total request rate of cart (both pods), req/s: a daily sine between 50 and 150. */
const cartRate = (minute: number) =>
  100 + 50 * Math.sin((2 * Math.PI * (minute % DAY_MINUTES)) / DAY_MINUTES);

const patches = (requests: readonly RecordedRequest[]) => requests.filter((r) => r.method === "PATCH");
const realPatches = (requests: readonly RecordedRequest[]) =>
  patches(requests).filter((r) => r.query.dryRun === undefined);

/**
 * End to end: a real Prometheus on a TSDB backfilled by promtool (14 days a minute apart) with
 * two workloads — cart (2 pods, NAB CPU, memory, http_requests_total) and web (3 pods, a daily
 * CPU cycle) — and the Kubernetes API server stand-in holding their Deployments and web's HPA.
 */
describe.skipIf(!hasPrometheus)(
  "aurea recommend --apply against a real Prometheus and a Kubernetes API stand-in",
  () => {
    let dir: string;
    let prometheus: ChildProcess;
    let url: string;
    let api: KubeStandIn;
    let kubeconfig: string;
    const env = (extra: Record<string, string> = {}) => ({ HOME: join(dir, "home"), ...extra });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "aurea-kube-apply-"));
      const percent = (await readFile(NAB, "utf8"))
        .trim()
        .split("\n")
        .slice(1)
        .map((r) => Number(r.split(",")[1]));
      const end = Math.floor(Date.now() / 1000 / 60) * 60 - 120;
      const minutes = 14 * DAY_MINUTES;
      const start = end - (minutes - 1) * 60;
      const cpu: string[] = [];
      const memory: string[] = [];
      const http: string[] = [];
      const cartCpu = [0, 0];
      const webCpu = [0, 0, 0];
      const served = [0, 0];
      let seed = 7;
      const noise = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31 - 0.5;
      };
      for (let m = 0; m < minutes; m++) {
        const t = start + m * 60;
        const p = percent[Math.floor(m / 5) % percent.length] as number;
        for (const pod of [0, 1]) {
          cartCpu[pod] = (cartCpu[pod] as number) + (p / 100) * 60;
          served[pod] = (served[pod] as number) + (cartRate(m) / 2) * 60;
          const labels = `namespace="shop",pod="cart-${pod}",container="cart"`;
          cpu.push(
            `container_cpu_usage_seconds_total{${labels}} ${(cartCpu[pod] as number).toFixed(3)} ${t}`,
          );
          memory.push(`container_memory_working_set_bytes{${labels}} ${Math.round(2e8 + 1e6 * p)} ${t}`);
          http.push(
            `http_requests_total{namespace="shop",pod="cart-${pod}"} ${(served[pod] as number).toFixed(1)} ${t}`,
          );
        }
        const cycle = 0.4 + 0.1 * Math.sin((2 * Math.PI * (m % DAY_MINUTES)) / DAY_MINUTES);
        for (const pod of [0, 1, 2]) {
          webCpu[pod] = (webCpu[pod] as number) + (cycle + 0.02 * noise()) * 60;
          cpu.push(
            `container_cpu_usage_seconds_total{namespace="shop",pod="web-${pod}",container="web"} ${(webCpu[pod] as number).toFixed(3)} ${t}`,
          );
        }
      }
      await writeFile(
        join(dir, "data.om"),
        [
          "# TYPE container_cpu_usage_seconds_total counter",
          ...cpu,
          "# TYPE container_memory_working_set_bytes gauge",
          ...memory,
          "# TYPE http_requests_total counter",
          ...http,
          "# EOF",
          "",
        ].join("\n"),
      );
      const created = spawnSync(
        "promtool",
        ["tsdb", "create-blocks-from", "openmetrics", join(dir, "data.om"), join(dir, "tsdb")],
        { encoding: "utf8" },
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
      api = await startKubeApiServerStandIn({ tokens: { "admin-token": "write", "viewer-token": "read" } });
      kubeconfig = api.kubeconfig(dir, [
        { name: "admin", token: "admin-token" },
        { name: "viewer", token: "viewer-token" },
      ]);
      for (let i = 0; i < 150; i++) {
        const ready = await fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("prometheus did not become ready");
    }, 120_000);

    afterAll(async () => {
      prometheus?.kill("SIGTERM");
      await api?.close();
      await new Promise((r) => setTimeout(r, 300));
      await rm(dir, { recursive: true, force: true });
    });

    const seed = (webContainer = "web") => {
      api.put(
        deployment(
          "shop",
          "cart",
          [{ name: "cart", requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } }],
          2,
        ),
      );
      api.put(deployment("shop", "web", [{ name: webContainer, requests: { cpu: "1" } }], 3));
      api.put(horizontalPodAutoscaler("shop", "web", "web", { min: 2, max: 4, cpu: 50 }));
    };

    beforeEach(() => {
      seed();
      api.requests.length = 0;
    });

    const cartFlags = ["recommend", "--prometheus", "", "--namespace", "shop", "--workload", "cart"];
    const cart = (...more: string[]) => [...cartFlags.map((f) => (f === "" ? url : f)), ...more];

    it("replicas from the request rate: forecast peak ÷ (capacity × 0.7), dry run first, then applied", async () => {
      const r = await aurea(
        env(),
        ...cart("--capacity-per-replica", "20", "--kubeconfig", kubeconfig, "--apply", "--json"),
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      const [workload] = report.workloads;
      const [rec] = report.recommendations;
      expect(workload).toMatchObject({
        kind: "Deployment",
        namespace: "shop",
        name: "cart",
        containers: ["shop/cart"],
        hpa: null,
        hpa_checked: true,
        replicas_error: null,
      });
      expect(workload.replicas).toMatchObject({
        basis: "request_rate",
        unit: "requests_per_second",
        current: 2,
        capacity_per_replica: 20,
        target_utilization: 0.7,
      });
      // The data's true peak is 150 req/s (100 + 50 sin). The forecast covers it, and exceeds it
      // by at most the spread of 5-minute points around an hour's mean — the residuals come from
      // every hour, and the sine moves by up to 50·2π/24 ≈ 13 req/s in one: ±6.5.
      const spread = (50 * 2 * Math.PI) / 24 / 2;
      expect(workload.replicas.demand).toBeGreaterThan(150 * 0.99);
      expect(workload.replicas.demand).toBeLessThan(150 + spread);
      expect(workload.replicas.recommended).toBe(Math.ceil(workload.replicas.demand / (20 * 0.7)));

      // Read, then the dry run, and only then the real patch.
      expect(
        api.requests.map((q) =>
          `${q.method} ${q.path.replace("/namespaces/shop", "")} ${q.query.dryRun ?? ""}`.trim(),
        ),
      ).toEqual([
        "GET /apis/apps/v1/deployments/cart",
        "GET /apis/autoscaling/v2/horizontalpodautoscalers",
        "GET /apis/apps/v1/deployments/cart",
        "PATCH /apis/apps/v1/deployments/cart All",
        "PATCH /apis/apps/v1/deployments/cart",
      ]);
      expect(patches(api.requests).map((q) => q.contentType)).toEqual([
        "application/strategic-merge-patch+json",
        "application/strategic-merge-patch+json",
      ]);
      const stored = api.get("deployments", "shop", "cart");
      expect(stored?.spec.replicas).toBe(workload.replicas.recommended);
      expect(stored?.spec.template.spec.containers[0].resources.requests.cpu).toBe(
        `${Math.ceil(rec.cpu.request * 1000 - 1e-9)}m`,
      );
      expect(stored?.spec.template.spec.containers[0].image).toBe("registry.example/cart:1.0");
      expect(report.apply.dry_run[0].changes).toEqual(report.apply.applied[0].changes);
      expect(report.apply.applied[0].changes).toContainEqual({
        field: "replicas",
        before: "2",
        after: String(workload.replicas.recommended),
      });
    });

    it("takes the capacity from a load experiment's JSON, saying when it is only a lower bound", async () => {
      const file = join(dir, "experiment.json");
      // The shape `aurea experiment --json` prints (its result block).
      await writeFile(
        file,
        JSON.stringify({
          experiment: { name: "cart" },
          result: { capacity_per_replica: 20, status: "lower_bound" },
        }),
      );
      const fromFile = await aurea(env(), ...cart("--capacity-from", file, "--json"));
      const direct = await aurea(env(), ...cart("--capacity-per-replica", "20", "--json"));
      expect(fromFile.code).toBe(0);
      expect(fromFile.stderr).toContain(
        "note: the experiment's SLO never failed: 20 req/s per replica is a lower bound",
      );
      const replicas = (r: { stdout: string }) => JSON.parse(r.stdout).workloads[0].replicas;
      expect(replicas(fromFile)).toEqual(replicas(direct));
      expect(replicas(fromFile).basis).toBe("request_rate");
      await writeFile(file, JSON.stringify({ result: { capacity_per_replica: null, status: "never_held" } }));
      const never = await aurea(env(), ...cart("--capacity-from", file));
      expect(never.code).toBe(2);
      expect(never.stderr).toContain("no result.capacity_per_replica (the experiment's verdict: never_held)");
    });

    it("writes nothing without --apply: -o yaml with a cluster only reads it, and without one never calls it", async () => {
      const withCluster = await aurea(env(), ...cart("--kubeconfig", kubeconfig, "-o", "yaml"));
      expect(withCluster.code).toBe(0);
      expect(patches(api.requests)).toEqual([]);
      expect(api.requests.length).toBeGreaterThan(0);
      expect(withCluster.stdout).toMatch(
        /kind: "Deployment"\n[\s\S]*spec:\n {2}replicas: \d+\n {2}template:/,
      );
      api.requests.length = 0;
      // KUBECONFIG set, but no cluster flag: the cluster is not contacted at all.
      const without = await aurea(env({ KUBECONFIG: kubeconfig }), ...cart("--json"));
      expect(without.code).toBe(0);
      expect(api.requests).toEqual([]);
      const [workload] = JSON.parse(without.stdout).workloads;
      expect(workload).toMatchObject({
        hpa: null,
        hpa_checked: false,
        replicas: { basis: "cpu", current: null, demand_statistic: "request" },
      });
      const [rec] = JSON.parse(without.stdout).recommendations;
      expect(workload.replicas.capacity_per_replica).toBe(rec.cpu.request);
      // Two identical pods: all replicas' CPU together gets twice the request one gets.
      expect(workload.replicas.demand / rec.cpu.request).toBeCloseTo(2, 1);
      expect(workload.replicas.recommended).toBe(
        Math.ceil(workload.replicas.demand / rec.cpu.request - 1e-9),
      );
    });

    it("with an HPA, recommends its bounds and CPU target, patches the HPA and leaves spec.replicas alone", async () => {
      const r = await aurea(
        env(),
        "recommend",
        "--prometheus",
        url,
        "--namespace",
        "shop",
        "--kubeconfig",
        kubeconfig,
        "--apply",
        "--json",
      );
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      const web = report.workloads.find((w: { name: string }) => w.name === "web");
      expect(web.replicas).toMatchObject({
        basis: "cpu",
        recommended: null,
        current: 3,
        target_utilization: 0.5,
      });
      expect(web.hpa.current).toMatchObject({ min_replicas: 2, max_replicas: 4, cpu_utilization: 50 });
      // Three pods at 0.4–0.5 cores: at 50 % of a ~0.5-core request the peak needs ~6 replicas,
      // over the maximum 4; the target rises so the peak fits in 4.
      expect(web.hpa.recommended.max_replicas).toBe(4);
      expect(web.hpa.recommended.cpu_utilization).toBeGreaterThan(50);
      expect(web.hpa.recommended.cpu_utilization).toBeLessThanOrEqual(90);
      expect(web.hpa.replicas_at_peak).toBeLessThanOrEqual(4);
      expect(web.hpa.reason).toMatch(/over the maximum 4: the target rises to/);

      const hpa = api.get("horizontalpodautoscalers", "shop", "web");
      expect(hpa?.spec.metrics).toEqual([
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: web.hpa.recommended.cpu_utilization },
          },
        },
      ]);
      expect(api.get("deployments", "shop", "web")?.spec.replicas).toBe(3);
      const webPatches = realPatches(api.requests).filter((q) => q.path.endsWith("/deployments/web"));
      expect(webPatches).toHaveLength(1);
      expect((webPatches[0]?.body as { spec?: object } | undefined)?.spec).not.toHaveProperty("replicas");
      expect(api.get("deployments", "shop", "cart")?.spec.replicas).toBe(
        report.workloads.find((w: { name: string }) => w.name === "cart").replicas.recommended,
      );
    });

    it("a workload whose patch the API server refuses (422) makes the whole apply write nothing", async () => {
      seed("web-server"); // the Deployment's container is not called "web": the patch adds one without an image
      api.requests.length = 0;
      const r = await aurea(
        env(),
        "recommend",
        "--prometheus",
        url,
        "--namespace",
        "shop",
        "--kubeconfig",
        kubeconfig,
        "--apply",
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /aurea recommend: Deployment shop\/web: dry-run patch: 422 Invalid: Deployment\.apps "web" is invalid: spec\.template\.spec\.containers\[1\]\.image: Required value/,
      );
      expect(r.stdout).toMatch(/Deployment shop\/cart: would change\n/);
      expect(r.stdout).toContain("nothing applied: 1 of 2 workloads failed their dry run");
      expect(realPatches(api.requests)).toEqual([]);
      expect(patches(api.requests).length).toBeGreaterThanOrEqual(2);
      expect(
        api.get("deployments", "shop", "cart")?.spec.template.spec.containers[0].resources.requests.cpu,
      ).toBe("500m");
    });

    it("a read-only token is refused (403) at the dry run, naming the workload", async () => {
      const r = await aurea(
        env(),
        ...cart("--kubeconfig", kubeconfig, "--kube-context", "viewer", "--apply"),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /Deployment shop\/cart: dry-run patch: 403 Forbidden: deployments\.apps "cart" is forbidden/,
      );
      expect(realPatches(api.requests)).toEqual([]);
    });

    it("a workload the cluster does not have (404) is named and nothing is applied", async () => {
      const r = await aurea(
        env(),
        "recommend",
        "--prometheus",
        url,
        "--namespace",
        "shop",
        "--workload",
        "cart",
        "--workload-kind",
        "statefulset",
        "--kubeconfig",
        kubeconfig,
        "--apply",
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'StatefulSet shop/cart: read: 404 NotFound: statefulsets.apps "cart" not found',
      );
      expect(r.stderr).toContain("nothing applied");
      expect(patches(api.requests)).toEqual([]);
    });

    it("server-side apply conflicts (409) with the fields' owner unless --force-conflicts", async () => {
      const conflict = await aurea(env(), ...cart("--kubeconfig", kubeconfig, "--apply", "--server-side"));
      expect(conflict.code).toBe(1);
      expect(conflict.stderr).toMatch(
        /Deployment shop\/cart: dry-run patch: 409 Conflict: Apply failed with \d+ conflicts?: conflict with "kubectl-client-side-apply"/,
      );
      expect(realPatches(api.requests)).toEqual([]);
      api.requests.length = 0;
      const forced = await aurea(
        env(),
        ...cart("--kubeconfig", kubeconfig, "--apply", "--server-side", "--force-conflicts"),
      );
      expect(forced.code).toBe(0);
      expect(patches(api.requests).map((q) => [q.contentType, q.query])).toEqual([
        ["application/apply-patch+yaml", { dryRun: "All", fieldManager: "aurea", force: "true" }],
        ["application/apply-patch+yaml", { fieldManager: "aurea", force: "true" }],
      ]);
    });

    it("an unreachable API server is named, with the recommendation still printed", async () => {
      const port = await closedPort();
      const down = api.kubeconfig(dir, [
        { name: "down", token: "admin-token", server: `https://127.0.0.1:${port}` },
      ]);
      const r = await aurea(env(), ...cart("--kubeconfig", down, "--apply", "--json"));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `Deployment shop/cart: read: the API server at https://127.0.0.1:${port} is unreachable (ECONNREFUSED)`,
      );
      expect(JSON.parse(r.stdout).recommendations[0].name).toBe("shop/cart");
    });

    it("a request-rate query Prometheus refuses costs only the replicas; --target-utilization scales the CPU basis", async () => {
      const bad = await aurea(
        env(),
        ...cart("--capacity-per-replica", "20", "--request-rate-query", "sum(rate(", "--json"),
      );
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(
        /Deployment shop\/cart: no replica recommendation: Prometheus refused the query "sum\(rate\(": /,
      );
      const report = JSON.parse(bad.stdout);
      expect(report.recommendations[0].cpu.request).toBeGreaterThan(0);
      expect(report.workloads[0].replicas).toBeNull();
      const half = JSON.parse((await aurea(env(), ...cart("--target-utilization", "0.5", "--json"))).stdout);
      const { replicas } = half.workloads[0];
      expect(replicas).toMatchObject({ basis: "cpu", target_utilization: 0.5 });
      expect(replicas.recommended).toBe(
        Math.ceil(replicas.demand / (replicas.capacity_per_replica * 0.5) - 1e-9),
      );
    });

    it("a request-rate query returning nothing is a replica error naming the query (exit 1)", async () => {
      const r = await aurea(
        env(),
        ...cart(
          "--capacity-per-replica",
          "20",
          "--request-rate-query",
          'sum(rate(nothing_total{namespace="shop"}[5m]))',
          "--json",
        ),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'Deployment shop/cart: no replica recommendation: the request-rate query returned nothing (sum(rate(nothing_total{namespace="shop"}[5m])))',
      );
      expect(JSON.parse(r.stdout).workloads[0].replicas).toBeNull();
    });
  },
);

describe("aurea recommend: Kubernetes flags refused where they cannot apply", () => {
  // Nothing listens on port 1: every case must be refused before Prometheus is asked.
  const prom = ["--prometheus", "http://127.0.0.1:1", "--namespace", "shop"];
  const one = [...prom, "--workload", "w"];
  it.each([
    [
      ["--csv", "x.csv", "--apply"],
      "--apply needs --prometheus and --namespace: a CSV names no workloads to patch",
    ],
    [["--csv", "x.csv", "--kube-context", "prod"], "--kube-context needs --prometheus and --namespace"],
    [["--prometheus", "http://127.0.0.1:1", "--apply"], "--prometheus needs --namespace"],
    [[...prom, "--server-side"], "--server-side and --force-conflicts only go with --apply"],
    [
      [...prom, "--apply", "--force-conflicts"],
      "--force-conflicts takes over fields in server-side apply: give --server-side too",
    ],
    [[...prom, "--capacity-per-replica", "20"], "--capacity-per-replica is one workload's: give --workload"],
    [[...one, "--capacity-per-replica", "0"], '--capacity-per-replica must be a positive number, got "0"'],
    [
      [...one, "--capacity-per-replica", "5", "--capacity-from", "e.json"],
      "give one of --capacity-per-replica and --capacity-from",
    ],
    [
      [...one, "--capacity-from", "/nonexistent/e.json"],
      "--capacity-from /nonexistent/e.json: cannot read it (ENOENT)",
    ],
    [[...one, "--request-rate-query", "up"], "--request-rate-query needs --capacity-per-replica"],
    [[...prom, "--target-utilization", "1.5"], "--target-utilization is a share of capacity, at most 1"],
    [[...prom, "--apply", "--kubeconfig", "/nonexistent/kc"], "--kubeconfig /nonexistent/kc does not exist"],
  ])("%j exits 2: %s", async (flags, message) => {
    const r = await aurea({}, "recommend", ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

it.runIf(!hasPrometheus && requireTools)(
  "has prometheus and promtool installed when AUREA_REQUIRE_TOOLS=1",
  () => {
    expect.fail("prometheus/promtool are not on PATH (Debian package prometheus)");
  },
);
