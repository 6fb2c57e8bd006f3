import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.js";
import { execute } from "../../src/cli/program.js";
import { type Config, loadConfig } from "../../src/config/config.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { BenchmarkService } from "../../src/services/benchmark-service.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry } from "../../src/telemetry/registry.js";
import { captureStream } from "../support/capture.js";
import {
  deployment,
  type KubeStandIn,
  type RecordedRequest,
  startKubeApiServerStandIn,
} from "../support/kube-apiserver-standin.js";
import { type PlatformApp, platformApps } from "../support/platform-app.js";
import { type Finished, startCli } from "../support/spawn-cli.js";
import { openTestStore, type TestStore } from "../support/stores.js";
import { hasCommand } from "../support/tools.js";
import { type CapacityTarget, startCapacityTarget } from "./experiment-target.js";

// biome-ignore lint/suspicious/noExplicitAny: API answers are read as open-ended JSON.
type Json = Record<string, any>;

const LOOPBACK = { AUREA_ALLOW_HOSTS: "127.0.0.1" };

let dir: string;
let api: KubeStandIn;
/** Two contexts: `viewer` (current, a read-only token) and `lab` (may patch). */
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aurea-experiment-replicas-"));
  // The replicas become ready 300 ms after a scale, as a controller's would: the experiment waits.
  api = await startKubeApiServerStandIn({
    tokens: { "admin-token": "write", "view-token": "read" },
    readyDelayMs: 300,
  });
  kubeconfig = api.kubeconfig(
    dir,
    [
      { name: "viewer", token: "view-token" },
      { name: "lab", token: "admin-token" },
    ],
    "viewer",
  );
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(
  t: { request: PlatformApp["request"] },
  id: number,
  timeoutMs = 90_000,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const experiment = (await t.request("GET", `/api/v1/experiments/${id}`)).json() as Json;
    if (!["pending", "running"].includes(experiment.status)) return experiment;
    if (Date.now() > deadline)
      throw new Error(`experiment ${id}: ${JSON.stringify(experiment).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const scalePatches = (workload: string): RecordedRequest[] =>
  api.requests.filter((q) => q.method === "PATCH" && q.path.endsWith(`/deployments/${workload}/scale`));
const scaledTo = (requests: RecordedRequest[]) =>
  requests.map((q) => (q.body as { spec: { replicas: number } }).spec.replicas);

describe("POST /api/v1/experiments on a server with a Kubernetes context (AUREA_KUBECONFIG, AUREA_KUBE_CONTEXT)", () => {
  const open = platformApps("pglite");
  let target: CapacityTarget | undefined;
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  it("scales the workload through replica counts 1 and 2 and finds linear scaling", async () => {
    api.put(deployment("shop", "cart", [{ name: "cart" }], 3));
    api.requests.length = 0;
    // One worker of 40 ms per ready replica: 25 jobs/s each.
    const ready = () => Number(api.get("deployments", "shop", "cart")?.status?.readyReplicas ?? 1);
    target = await startCapacityTarget({ slots: 1, serviceMs: 40, replicas: ready });
    const t = await open({ env: { ...LOOPBACK, AUREA_KUBECONFIG: kubeconfig, AUREA_KUBE_CONTEXT: "lab" } });
    const created = await t.request("POST", "/api/v1/experiments", {
      target: { kind: "http", url: target.url },
      rates: [22.5, 40, 45, 60],
      step_duration: "2s",
      warmup: "1s",
      graceful_stop: "1s",
      slo: ["p95<250ms"],
      replicas: [1, 2],
      namespace: "shop",
      workload: "cart",
    });
    expect(created.statusCode, created.body).toBe(202);
    const id = (created.json() as Json).id as number;
    const done = await waitFor(t, id);
    expect(done.status, JSON.stringify(done.error)).toBe("complete");

    // Scaled down to 1 (it ran 3), then up to 2, in that order, with the context's token (not
    // the current context's read-only one); the workload is left at the last count.
    const scales = scalePatches("cart");
    expect(scaledTo(scales)).toEqual([1, 2]);
    expect(scales.map((q) => [q.token, q.contentType, q.status])).toEqual([
      ["admin-token", "application/merge-patch+json", 200],
      ["admin-token", "application/merge-patch+json", 200],
    ]);
    expect(api.get("deployments", "shop", "cart")?.spec.replicas).toBe(2);
    // Each scale was followed by reads until the replicas were ready.
    const afterSecond = api.requests.slice(api.requests.indexOf(scales[1] as RecordedRequest) + 1);
    expect(afterSecond.some((q) => q.method === "GET" && q.path.endsWith("/deployments/cart"))).toBe(true);

    // 1 replica (25/s): 22.5 passes, 40 fails, 45 and 60 are skipped; 2 replicas (50/s): up to
    // 45 pass, 60 fails.
    expect(done.steps.map((s: Json) => [s.step, s.replicas, s.load, s.measurements.slo_passed])).toEqual([
      [1, 1, 22.5, true],
      [2, 1, 40, false],
      [5, 2, 22.5, true],
      [6, 2, 40, true],
      [7, 2, 45, true],
      [8, 2, 60, false],
    ]);
    const result = done.result as Json;
    const [one, two] = result.by_replicas as Json[];
    expect([one?.replicas, two?.replicas]).toEqual([1, 2]);
    for (const g of [one, two] as Json[]) {
      expect(g.status).toBe("interpolated");
      expect(g.capacity_per_replica).toBeGreaterThan(target.capacity(1) * 0.85);
      expect(g.capacity_per_replica).toBeLessThanOrEqual(target.capacity(1) * 1.05);
    }
    expect(one?.scaling_efficiency).toBe(1);
    expect(two?.scaling_efficiency).toBeGreaterThan(0.85);
    expect(two?.scaling_efficiency).toBeLessThan(1.15);
    expect(result.capacity_per_replica).toBe(Math.min(one?.capacity_per_replica, two?.capacity_per_replica));

    // The steps' runs are named with their replica count; the export carries it too.
    const last = done.steps.at(-1) as Json;
    const run = (await t.request("GET", `/api/v1/runs/${last.run_id}`)).json() as Json;
    expect(run.scenario_name).toBe(`experiment ${id} step 8: 60/s × 2`);
    // One row per replica count × rate, in the order they ran: the measured ones with the API's
    // figures, the two rates skipped at 1 replica saying why.
    const csv = (await t.request("GET", `/api/v1/experiments/${id}/export.csv`)).body.trim().split("\n");
    const header = csv[0]!.split(",");
    const rows = csv.slice(1).map((line) => {
      const cells = line.split(",");
      return Object.fromEntries(header.map((name, i) => [name, cells[i]]));
    });
    expect(rows.map((r) => [r.step, r.replicas, r.offered_rate, r.status])).toEqual([
      ["1", "1", "22.5", "complete"],
      ["2", "1", "40", "complete"],
      ["3", "1", "45", "skipped"],
      ["4", "1", "60", "skipped"],
      ["5", "2", "22.5", "complete"],
      ["6", "2", "40", "complete"],
      ["7", "2", "45", "complete"],
      ["8", "2", "60", "complete"],
    ]);
    for (const s of done.steps as Json[]) {
      const row = rows[s.step - 1]!;
      const m = s.measurements;
      expect(Number(row.throughput)).toBe(m.throughput);
      expect(Number(row.throughput_per_replica)).toBe(m.throughput_per_replica);
      expect(Number(row.throughput_per_replica)).toBeCloseTo(m.throughput / s.replicas, 9);
      expect([Number(row.requests), Number(row.failed)]).toEqual([m.requests, m.failed]);
      expect([Number(row.p50_ms), Number(row.p95_ms), Number(row.p99_ms)]).toEqual([
        m.latency_ms.p50,
        m.latency_ms.p95,
        m.latency_ms.p99,
      ]);
      expect(row.slo_passed).toBe(String(m.slo_passed));
      expect([row.window_start, row.window_end]).toEqual([m.window.start, m.window.end]);
      expect(Number(row.run_id)).toBe(s.run_id);
    }
    for (const row of [rows[2]!, rows[3]!]) {
      expect(row.problems).toBe("skipped: the SLO failed at step 2 (40/s)");
      expect([row.throughput, row.p95_ms, row.run_id]).toEqual(["", "", ""]);
    }
    const metadata = (await t.request("GET", `/api/v1/experiments/${id}/metadata.json`)).json() as Json;
    expect(metadata).toMatchObject({
      replicas: [1, 2],
      kubernetes: { namespace: "shop", workload: "cart" },
      quality: { steps_planned: 8, steps_complete: 6 },
    });
  }, 120_000);

  it("fails the experiment, naming the workload and the API's answer, when the workload cannot be scaled", async () => {
    target = await startCapacityTarget({ slots: 4, serviceMs: 5 });
    api.requests.length = 0;
    const t = await open({ env: { ...LOOPBACK, AUREA_KUBECONFIG: kubeconfig, AUREA_KUBE_CONTEXT: "lab" } });
    const created = await t.request("POST", "/api/v1/experiments", {
      target: { kind: "http", url: target.url },
      rates: [10],
      step_duration: "1s",
      warmup: "0s",
      replicas: [1, 2],
      namespace: "shop",
      workload: "gone",
    });
    expect(created.statusCode, created.body).toBe(202);
    const done = await waitFor(t, (created.json() as Json).id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(
      /scaling shop\/gone to 1 replicas failed: .*Deployment shop\/gone.*404 NotFound/,
    );
    expect(done.steps).toEqual([]);
    expect(scaledTo(scalePatches("gone"))).toEqual([1]);
    expect(target.requests).toBe(0);
  }, 60_000);

  it("without a Kubernetes context still refuses several replica counts (400 naming replicas and the settings)", async () => {
    const t = await open({ env: LOOPBACK });
    const response = await t.request("POST", "/api/v1/experiments", {
      target: { kind: "http", url: "http://127.0.0.1:9/" },
      rates: [10],
      replicas: [1, 2],
      namespace: "shop",
      workload: "cart",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: "validation_error",
      details: [
        {
          field: "replicas",
          rule: "kubernetes_context",
          message: expect.stringMatching(/replicas need a Kubernetes context.*AUREA_KUBE_CONTEXT/),
        },
      ],
    });
  });
});

describe("POST /api/v1/experiments with AUREA_KUBERNETES=in-cluster (the pod's service account)", () => {
  let store: TestStore;
  let platform: Platform | undefined;
  let app: FastifyInstance | undefined;
  let target: CapacityTarget | undefined;
  beforeAll(async () => {
    store = await openTestStore("pglite");
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close(0);
    await target?.close();
    await store?.close();
  });

  // In a pod the API server is https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the
  // service account's CA: the stand-in serves HTTPS only when openssl made it a certificate.
  it.runIf(hasCommand("openssl"))(
    "scales with the service account's token and CA",
    async () => {
      const account = join(dir, "serviceaccount");
      await mkdir(account, { recursive: true });
      // As the kubelet writes it: no trailing newline (client-node sends the file's bytes as they are).
      await writeFile(join(account, "token"), "admin-token");
      await writeFile(join(account, "ca.crt"), api.caPem as string);
      await writeFile(join(account, "namespace"), "shop\n");
      api.put(deployment("shop", "checkout", [{ name: "checkout" }], 1));
      api.requests.length = 0;
      const { port } = new URL(api.url);
      const loaded = loadConfig({
        ...LOOPBACK,
        LOG_LEVEL: "silent",
        AUREA_DATA_DIR: dir,
        AUREA_KUBERNETES: "in-cluster",
        KUBERNETES_SERVICE_HOST: "127.0.0.1",
        KUBERNETES_SERVICE_PORT: port,
      });
      expect(loaded.kubernetes?.source).toBe("in-cluster");
      // The service account's directory is /var/run/secrets/kubernetes.io/serviceaccount in a pod.
      const config: Config = {
        ...loaded,
        kubernetes: {
          ...(loaded.kubernetes as NonNullable<Config["kubernetes"]>),
          serviceAccountDir: account,
        },
      };
      const telemetry = createTelemetry({ version: "0.0.0-test" });
      const logger = createLogger({ level: "silent" });
      platform = await openPlatform({ config, telemetry, logger, store: store.store });
      app = await buildApp({
        config,
        telemetry,
        logger,
        benchmarks: new BenchmarkService({ metrics: telemetry.benchmark }),
        platform,
        version: "0.0.0-test",
      });
      const request = (method: string, url: string, body?: unknown) =>
        (app as FastifyInstance).inject({
          method: method as "GET",
          url,
          ...(body === undefined ? {} : { payload: body as object }),
        });
      target = await startCapacityTarget({ slots: 4, serviceMs: 5 });
      const created = await request("POST", "/api/v1/experiments", {
        target: { kind: "http", url: target.url },
        rates: [10],
        step_duration: "1s",
        warmup: "0s",
        graceful_stop: "1s",
        replicas: [2, 1],
        namespace: "shop",
        workload: "checkout",
      });
      expect(created.statusCode, created.body).toBe(202);
      const done = await waitFor({ request }, (created.json() as Json).id);
      expect(done.status, JSON.stringify(done.error)).toBe("complete");
      expect(done.steps.map((s: Json) => [s.step, s.replicas])).toEqual([
        [1, 2],
        [2, 1],
      ]);
      const scales = scalePatches("checkout");
      expect(scaledTo(scales)).toEqual([2, 1]);
      expect(scales.every((q) => q.token === "admin-token")).toBe(true);
    },
    60_000,
  );
});

describe("aurea serve refuses to start on a Kubernetes setting it cannot use (exit 2, naming the variable)", () => {
  let notYaml: string;
  beforeAll(async () => {
    notYaml = join(dir, "not-a-kubeconfig");
    await writeFile(notYaml, "clusters: [unclosed\n");
  });

  const serve = async (env: Record<string, string>) => {
    const stdout = captureStream();
    const stderr = captureStream();
    const data = await mkdtemp(join(tmpdir(), "aurea-serve-kube-"));
    try {
      const code = await execute(
        ["serve", "--port", "0"],
        { stdout, stderr },
        { LOG_LEVEL: "silent", AUREA_DATA_DIR: data, ...env },
      );
      return { code, stderr: stderr.text() };
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  };

  it.each<[string, () => Record<string, string>, RegExp]>([
    [
      "a context the kubeconfig does not have",
      () => ({ AUREA_KUBECONFIG: kubeconfig, AUREA_KUBE_CONTEXT: "nope" }),
      /^aurea: invalid environment: AUREA_KUBE_CONTEXT "nope" is not in \S+ \(contexts: viewer, lab\)\n$/,
    ],
    [
      "a context KUBECONFIG's file does not have",
      () => ({ KUBECONFIG: kubeconfig, AUREA_KUBE_CONTEXT: "nope" }),
      /AUREA_KUBE_CONTEXT "nope" is not in KUBECONFIG=\S+ \(contexts: viewer, lab\)/,
    ],
    [
      "a kubeconfig that does not exist",
      () => ({ AUREA_KUBECONFIG: join(dir, "missing"), AUREA_KUBE_CONTEXT: "lab" }),
      /invalid environment: AUREA_KUBECONFIG \S+missing does not exist/,
    ],
    [
      "a kubeconfig that is not one",
      () => ({ AUREA_KUBECONFIG: notYaml }),
      /invalid environment: AUREA_KUBECONFIG \S+not-a-kubeconfig cannot be read: /,
    ],
    [
      "a context and nowhere to find a kubeconfig",
      () => ({ AUREA_KUBE_CONTEXT: "lab", HOME: join(dir, "no-home") }),
      /no Kubernetes configuration: give AUREA_KUBECONFIG=<file>, set KUBECONFIG/,
    ],
    [
      "in-cluster outside a pod",
      () => ({ AUREA_KUBERNETES: "in-cluster" }),
      /invalid environment: AUREA_KUBERNETES=in-cluster: KUBERNETES_SERVICE_HOST is not set/,
    ],
    [
      "in-cluster together with a context",
      () => ({ AUREA_KUBERNETES: "in-cluster", AUREA_KUBE_CONTEXT: "lab" }),
      /invalid environment: AUREA_KUBE_CONTEXT: not with AUREA_KUBERNETES=in-cluster/,
    ],
    [
      "an unknown AUREA_KUBERNETES",
      () => ({ AUREA_KUBERNETES: "yes" }),
      /invalid environment: AUREA_KUBERNETES: .*"kubeconfig"\|"in-cluster"/,
    ],
    ["an empty AUREA_KUBE_CONTEXT", () => ({ AUREA_KUBE_CONTEXT: "" }), /AUREA_KUBE_CONTEXT: /],
  ])("%s", async (_, env, message) => {
    const { code, stderr } = await serve(env());
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(2);
  });
});

describe("aurea serve loads the Kubernetes client only with a Kubernetes setting (built CLI)", () => {
  /**
   * Starts `aurea serve`, waits until it listens, stops it (SIGTERM) and returns its output.
   * `--pending-deprecation` makes Node 20 print the DEP0040 warning that Node 22+ prints anyway
   * when node-fetch 2 (pulled in by @kubernetes/client-node) requires `punycode`.
   */
  async function serveOnce(env: Record<string, string>): Promise<Finished> {
    const { child, finished } = startCli(["serve", "--port", "0"], {
      NODE_OPTIONS: "--pending-deprecation",
      LOG_LEVEL: "info",
      ...env,
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`aurea serve did not listen: ${out}`)), 60_000);
      child.stdout?.on("data", (d) => {
        out += d;
        if (out.includes('"aurea listening"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", () => {
        clearTimeout(timer);
        reject(new Error(`aurea serve exited: ${out}`));
      });
    });
    child.kill("SIGTERM");
    return finished;
  }

  it("without one: no Kubernetes client, no punycode warning", async () => {
    const r = await serveOnce({});
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/Kubernetes API server/);
    expect(r.stderr).not.toMatch(/DEP0040|punycode/);
  }, 90_000);

  it("with one: the client is loaded and the server it scales through is logged", async () => {
    const r = await serveOnce({ AUREA_KUBECONFIG: kubeconfig, AUREA_KUBE_CONTEXT: "lab" });
    expect(r.code).toBe(0);
    const line = r.stdout
      .split("\n")
      .filter((l) => l.includes("Kubernetes API server"))
      .map((l) => JSON.parse(l) as Json)[0];
    expect(line).toMatchObject({ kubernetes: api.url, source: kubeconfig, context: "lab" });
    expect(r.stderr).toMatch(/DEP0040/);
  }, 90_000);
});
