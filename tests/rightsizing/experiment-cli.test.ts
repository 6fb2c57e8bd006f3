import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { captureStream } from "../support/capture.js";
import {
  deployment,
  type KubeStandIn,
  startKubeApiServerStandIn,
} from "../support/kube-apiserver-standin.js";
import { startCli } from "../support/spawn-cli.js";
import { closedPort, startCapacityTarget } from "./experiment-target.js";

async function aurea(
  argv: string[],
  { env = {}, signal }: { env?: Record<string, string>; signal?: AbortSignal } = {},
) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(["experiment", ...argv], { stdout, stderr, ...(signal ? { signal } : {}) }, env);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

let dir: string;
let api: KubeStandIn;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aurea-experiment-cli-"));
  api = await startKubeApiServerStandIn({ tokens: { "admin-token": "write" } });
  kubeconfig = api.kubeconfig(dir, [{ name: "lab", token: "admin-token" }]);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("aurea experiment refuses bad flags, naming the flag (exit 2)", () => {
  const url = ["--url", "http://127.0.0.1:9/"];
  it.each([
    ["no --url", [], /--url is required/],
    ["no --rates", [...url], /--rates is required/],
    ["a rate that is not a number", [...url, "--rates", "10,x"], /--rates: 'x' is not a number/],
    ["a rate of zero", [...url, "--rates", "0"], /--rates: must be above 0/],
    [
      "a step of a fraction of a second",
      [...url, "--rates", "10", "--step", "1.5s"],
      /--step: must be a whole number of seconds/,
    ],
    [
      "a warm-up that is not a duration",
      [...url, "--rates", "10", "--warmup", "a bit"],
      /--warmup: must be a duration/,
    ],
    [
      "an SLO percentile not reported",
      [...url, "--rates", "10", "--slo", "p97<1s"],
      /--slo: .*p50, p90, p95, p99 and p99.9/,
    ],
    ["an SLO on cost", [...url, "--rates", "10", "--slo", "p95<1s,cost<1"], /--slo: .*error_rate/],
    ["an unknown method", [...url, "--rates", "10", "-X", "FETCH"], /--method: /],
    [
      "a header without a colon",
      [...url, "--rates", "10", "-H", "nocolon"],
      /--header must look like 'Name: value'/,
    ],
    ["a target that is not http", ["--url", "ftp://x/", "--rates", "10"], /--url: must be an absolute http/],
    [
      "a Prometheus that is not a URL",
      [...url, "--rates", "10", "--prometheus", "prom", "--namespace", "a"],
      /--prometheus: must be an absolute/,
    ],
    [
      "Prometheus without a namespace or queries",
      [...url, "--rates", "10", "--prometheus", "http://127.0.0.1:9090"],
      /--namespace: is required with prometheus/,
    ],
    ["a query without --prometheus", [...url, "--rates", "10", "--cpu-query", "up"], /need --prometheus/],
    [
      "a resolution below a second",
      [
        ...url,
        "--rates",
        "10",
        "--prometheus",
        "http://127.0.0.1:9090",
        "--namespace",
        "a",
        "--resolution",
        "500ms",
      ],
      /--resolution: must be a whole number of seconds/,
    ],
    [
      "replicas that are not numbers",
      [...url, "--rates", "10", "--replicas", "one"],
      /--replicas: 'one' is not a number/,
    ],
    [
      "several replica counts without a Kubernetes context",
      [...url, "--rates", "10", "--replicas", "1,2", "--namespace", "shop", "--workload", "cart"],
      /replicas need a Kubernetes context/,
    ],
    [
      "several replica counts without a workload",
      [...url, "--rates", "10", "--replicas", "1,2", "--namespace", "shop"],
      /--workload: is required to scale/,
    ],
    [
      "a Kubernetes context without replicas",
      [...url, "--rates", "10", "--kube-context", "lab"],
      /--kube-context scales the workload: give --replicas/,
    ],
  ])("%s", async (_, argv, message) => {
    const r = await aurea(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("names a Kubernetes context the kubeconfig does not have", async () => {
    const r = await aurea(
      [
        ...url,
        "--rates",
        "10",
        "--replicas",
        "1,2",
        "--namespace",
        "shop",
        "--workload",
        "cart",
        "--kube-context",
        "nope",
      ],
      { env: { KUBECONFIG: kubeconfig } },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--kube-context "nope" is not in KUBECONFIG=.* \(contexts: lab\)/);
  });
});

describe("aurea experiment against real targets", () => {
  it("reports an unreachable target clearly, with the step measured (exit 1)", async () => {
    const port = await closedPort();
    const r = await aurea([
      "--url",
      `http://127.0.0.1:${port}/`,
      "--rates",
      "10,20",
      "--step",
      "1s",
      "--warmup",
      "0s",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /aurea: the target is unreachable: all \d+ requests of step 1 failed \(connect_refused\)/,
    );
    const report = JSON.parse(r.stdout);
    expect(report.experiment).toMatchObject({ status: "failed" });
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0].measurements).toMatchObject({ error_rate: 1, slo_passed: false });
    expect(report.result).toMatchObject({ status: "never_held", capacity_per_replica: null });
  });

  it("stops at Ctrl-C (exit 130) and prints the steps measured so far", async () => {
    const target = await startCapacityTarget();
    try {
      const controller = new AbortController();
      const stderr = captureStream();
      const stdout = captureStream();
      (stderr as unknown as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("step 2/")) setTimeout(() => controller.abort(), 300);
      });
      const code = await execute(
        ["experiment", "--url", target.url, "--rates", "10,20,30", "--step", "1s", "--warmup", "0s"],
        { stdout, stderr, signal: controller.signal },
        {},
      );
      expect(code).toBe(130);
      const table = stdout.text();
      expect(table).toMatch(/^\s+1\s+1\s+10\.0 .* pass$/m);
      expect(table).toMatch(/^\s+2\s+1\s+20\.0 .* cut short$/m);
      expect(table).toMatch(/at least 10\.\d\/s/);
    } finally {
      await target.close();
    }
  });

  it("a real SIGINT to the `aurea experiment` process does the same", async () => {
    const target = await startCapacityTarget();
    try {
      const { child, finished } = startCli([
        "experiment",
        "--url",
        target.url,
        "--rates",
        "10,20,30",
        "--step",
        "1s",
        "--warmup",
        "0s",
      ]);
      child.stderr?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("step 2/")) setTimeout(() => child.kill("SIGINT"), 300);
      });
      const r = await finished;
      expect(r.code).toBe(130);
      expect(r.stdout).toMatch(/^\s+1\s+1\s+10\.0 .* pass$/m);
      expect(r.stdout).toMatch(/^\s+2\s+1\s+20\.0 .* cut short$/m);
    } finally {
      await target.close();
    }
  });

  it("scales the workload through the Kubernetes API between replica counts and finds linear scaling", async () => {
    api.put(deployment("shop", "cart", [{ name: "cart" }], 3));
    api.requests.length = 0;
    // One worker of 40 ms per ready replica: 25 jobs/s each.
    const replicas = () => Number(api.get("deployments", "shop", "cart")?.status?.readyReplicas ?? 1);
    const target = await startCapacityTarget({ slots: 1, serviceMs: 40, replicas });
    const csv = join(dir, "steps.csv");
    const metadata = join(dir, "metadata.json");
    try {
      const r = await aurea(
        [
          "--url",
          target.url,
          "--rates",
          "10,20,22.5,40,45,60",
          "--step",
          "2s",
          "--warmup",
          "1s",
          "--graceful-stop",
          "1s",
          "--slo",
          "p95<250ms",
          "--replicas",
          "1,2",
          "--namespace",
          "shop",
          "--workload",
          "cart",
          "--kube-context",
          "lab",
          "--json",
          "--csv",
          csv,
          "--metadata",
          metadata,
        ],
        { env: { KUBECONFIG: kubeconfig } },
      );
      expect(r.code, r.stderr).toBe(0);
      const scales = api.requests.filter(
        (q) => q.method === "PATCH" && q.path.endsWith("/deployments/cart/scale"),
      );
      expect(scales.map((q) => (q.body as { spec: { replicas: number } }).spec.replicas)).toEqual([1, 2]);
      const report = JSON.parse(r.stdout);
      // 1 replica (25/s): up to 22.5 pass (90 %), 40 fails, the rest skipped; 2 replicas (50/s): up
      // to 45 pass (90 %), 60 fails. The last passing rate is 90 % of the capacity at both counts.
      expect(
        report.steps.map((s: { step: number; replicas: number; measurements: { slo_passed: boolean } }) => [
          s.step,
          s.replicas,
          s.measurements.slo_passed,
        ]),
      ).toEqual([
        [1, 1, true],
        [2, 1, true],
        [3, 1, true],
        [4, 1, false],
        [7, 2, true],
        [8, 2, true],
        [9, 2, true],
        [10, 2, true],
        [11, 2, true],
        [12, 2, false],
      ]);
      const [one, two] = report.result.by_replicas;
      for (const g of [one, two]) {
        expect(g.status).toBe("interpolated");
        expect(g.capacity_per_replica).toBeGreaterThan(target.capacity(1) * 0.85);
        expect(g.capacity_per_replica).toBeLessThanOrEqual(target.capacity(1) * 1.05);
      }
      expect(one.scaling_efficiency).toBe(1);
      expect(two.scaling_efficiency).toBeGreaterThan(0.85);
      expect(two.scaling_efficiency).toBeLessThan(1.15);
      expect(report.result.capacity_per_replica).toBe(
        Math.min(one.capacity_per_replica, two.capacity_per_replica),
      );

      const lines = (await readFile(csv, "utf8")).trim().split("\n");
      // Every planned step: the 10 measured and the 2 skipped at 1 replica after 40/s failed.
      expect(lines).toHaveLength(13);
      expect(lines[12]).toMatch(/^12,2,complete,60,/);
      expect(lines.filter((line) => /^\d+,1,skipped,/.test(line))).toHaveLength(2);
      const meta = JSON.parse(await readFile(metadata, "utf8"));
      expect(meta).toMatchObject({
        experiment: { id: null, status: "complete" },
        replicas: [1, 2],
        kubernetes: { namespace: "shop", workload: "cart" },
        slo: ["p95<250ms", "error_rate<1%"],
        quality: { steps_planned: 12, steps_complete: 10 },
      });
    } finally {
      await target.close();
    }
  }, 90_000);
});
