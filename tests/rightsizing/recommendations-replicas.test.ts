import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RecommendOptions, recommendCommand } from "../../src/cli/commands/recommend.js";
import { ExperimentsRepo } from "../../src/store/experiments-repo.js";
import { captureStream } from "../support/capture.js";
import { type PlatformApp, platformApps } from "../support/platform-app.js";
import { type BackfilledPrometheus, hasPrometheus, startNabPrometheus } from "../support/prometheus.js";
import { requireTools } from "../support/tools.js";

type Body = Record<string, unknown>;
interface Report {
  generated_at: string;
  recommendations: { name: string; cpu: { request: number } | null }[];
  workloads: {
    name: string;
    containers: string[];
    replicas: {
      basis: string;
      recommended: number | null;
      demand: number;
      capacity_per_replica: number;
      target_utilization: number;
    } | null;
    hpa_checked: boolean;
    replicas_error: string | null;
  }[];
}

async function finished(t: PlatformApp, id: number, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = (await t.request("GET", `/api/v1/recommendations/${id}`)).json() as Body;
    if (body.status !== "running") return body;
    if (Date.now() > deadline) throw new Error(`recommendation ${id} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const detailsOf = (body: unknown) =>
  ((body as { details?: { field: string; rule: string }[] }).details ?? []).map(
    (d) => `${d.field}:${d.rule}`,
  );

/**
 * "Requests per second" Prometheus has in the NAB TSDB: cart's CPU × 1,000 (NAB's 1.5–2.5 %
 * CPU is 15–25 req/s), one series. Any PromQL of one series does; this one has a daily shape.
 */
const RATE_QUERY =
  'sum(rate(container_cpu_usage_seconds_total{namespace="shop",pod=~"cart-.*",container="cart"}[5m])) * 1000';

const env = { AUREA_ALLOW_HOSTS: "127.0.0.1" };

/**
 * Recommendations made through the API with a Prometheus source get `report.workloads` as
 * `aurea recommend` makes them for the same Prometheus, namespace, flags and window: a real
 * Prometheus on a TSDB promtool backfilled with NAB's CPU as container "cart" (one pod).
 */
describe.skipIf(!hasPrometheus)("replicas in API-made recommendations, against a real Prometheus", () => {
  const open = platformApps();
  let prometheus: BackfilledPrometheus;
  beforeAll(async () => {
    prometheus = await startNabPrometheus();
  }, 120_000);
  afterAll(() => prometheus?.stop());

  const source = (more: Body = {}) => ({
    kind: "prometheus",
    url: prometheus.url,
    namespace: "shop",
    workload: "cart",
    ...more,
  });

  /** Recommends through the API and waits; answers the finished body and its collection's window end. */
  async function viaApi(t: PlatformApp, body: Body) {
    const created = await t.request("POST", "/api/v1/recommendations", body);
    expect(created.statusCode, created.body).toBe(202);
    const done = await finished(t, created.json().id);
    const collection = (await t.request("GET", `/api/v1/collections/${done.collection_id}`)).json();
    return { done, report: done.report as Report, windowEnd: new Date(collection.window_end as string) };
  }

  /** `aurea recommend --json` in-process with its clock at the collection's end: the same window. */
  async function viaCli(windowEnd: Date, flags: Partial<RecommendOptions>) {
    const stdout = captureStream();
    const stderr = captureStream();
    const code = await recommendCommand(
      { prometheus: prometheus.url, namespace: "shop", workload: "cart", json: true, ...flags },
      { stdout, stderr },
      () => windowEnd,
    );
    return { code, stderr: stderr.text(), report: JSON.parse(stdout.text()) as Report };
  }

  it("from CPU: the workload's replicas are the CLI's for the same window (no cluster: HPA unknown)", async () => {
    const t = await open({ env });
    const { done, report, windowEnd } = await viaApi(t, { source: source() });
    expect(done).toMatchObject({ status: "complete", error: null });
    const cli = await viaCli(windowEnd, {});
    expect(cli.code).toBe(0);
    // The whole report, not only the workloads: the same pipeline on the same usage.
    expect(report).toEqual({ ...cli.report, generated_at: report.generated_at });
    const [workload] = report.workloads;
    expect(workload).toMatchObject({
      kind: "Deployment",
      namespace: "shop",
      name: "cart",
      containers: ["shop/cart"],
      hpa: null,
      hpa_checked: false,
      replicas_error: null,
      replicas: { basis: "cpu", unit: "cores", current: null, demand_statistic: "request" },
    });
    // One pod: all replicas' CPU is the pod's, so its request is the pod's and one replica does.
    const cpu = report.recommendations[0]?.cpu?.request as number;
    expect(workload?.replicas?.capacity_per_replica).toBe(cpu);
    expect(workload?.replicas?.demand).toBeCloseTo(cpu, 6);
    expect(workload?.replicas?.recommended).toBe(1);
    expect(done.options).toMatchObject({
      capacity_per_replica: null,
      experiment_id: null,
      target_utilization: null,
      workload_kind: "Deployment",
    });
    const collection = (await t.request("GET", `/api/v1/collections/${done.collection_id}`)).json();
    // Five queries (cpu, memory, OOM kills, throttling, all replicas' CPU), one chunk each.
    expect(collection.progress).toEqual({ chunks_done: 5, chunks_total: 5 });
    const metadata = (
      await t.request("GET", `/api/v1/collections/${done.collection_id}/metadata.json`)
    ).json();
    expect(Object.keys(metadata.source.queries).sort()).toEqual([
      "cpu",
      "cpuRequests",
      "memory",
      "memoryRequests",
      "oomKills",
      "throttling",
      "workloadCpu",
    ]);
  });

  it("from a request rate and a capacity per replica, at a target utilisation, as the CLI computes it", async () => {
    const t = await open({ env });
    const options = {
      capacity_per_replica: 4,
      request_rate_query: RATE_QUERY,
      target_utilization: 0.5,
      workload_kind: "StatefulSet",
    };
    const { done, report, windowEnd } = await viaApi(t, { source: source(), options });
    expect(done.status).toBe("complete");
    const cli = await viaCli(windowEnd, {
      capacityPerReplica: "4",
      requestRateQuery: RATE_QUERY,
      targetUtilization: "0.5",
      workloadKind: "statefulset",
    });
    expect(cli.stderr).toBe("");
    expect(report.workloads).toEqual(cli.report.workloads);
    const [workload] = report.workloads;
    expect(workload).toMatchObject({
      kind: "StatefulSet",
      name: "cart",
      hpa_checked: false,
      replicas: { basis: "request_rate", capacity_per_replica: 4, target_utilization: 0.5 },
    });
    // NAB 53ea38 peaks near 2.5 % CPU: 25 "req/s"; the busiest hour's upper quantile is near that.
    const demand = workload?.replicas?.demand as number;
    expect(demand).toBeGreaterThan(15);
    expect(demand).toBeLessThan(40);
    expect(workload?.replicas?.recommended).toBe(Math.ceil(demand / (4 * 0.5) - 1e-9));
    expect(done.options).toMatchObject({ ...options, experiment_id: null, capacity_status: null });
    const collection = (await t.request("GET", `/api/v1/collections/${done.collection_id}`)).json();
    expect(collection.progress).toEqual({ chunks_done: 6, chunks_total: 6 });
  });

  it("takes the capacity from a complete experiment, records it on the recommendation and says a lower bound is one", async () => {
    const t = await open({ env });
    const experiments = new ExperimentsRepo(t.platform.store.db);
    const experiment = await experiments.create({ name: "cart", spec: {}, apiKeyId: null });
    await experiments.start(experiment.id);
    await experiments.finish(experiment.id, "complete", {
      result: { capacity_per_replica: 3.5, status: "lower_bound", slo: ["p95<60ms"] },
    });
    const { done, report, windowEnd } = await viaApi(t, {
      source: source(),
      options: { experiment_id: experiment.id, request_rate_query: RATE_QUERY },
    });
    expect(done.status).toBe("complete");
    expect(done.options).toMatchObject({
      experiment_id: experiment.id,
      capacity_per_replica: 3.5,
      capacity_status: "lower_bound",
      target_utilization: null,
    });
    const row = await t.platform.rightsizing.repo.getRecommendation(done.id as number);
    expect(row?.experimentId).toBe(experiment.id);
    // The CLI with the same capacity (--capacity-per-replica 3.5) gives the same workloads.
    const cli = await viaCli(windowEnd, { capacityPerReplica: "3.5", requestRateQuery: RATE_QUERY });
    expect(report.workloads).toEqual(cli.report.workloads);
    expect(report.workloads[0]?.replicas).toMatchObject({
      basis: "request_rate",
      capacity_per_replica: 3.5,
      target_utilization: 0.7,
    });
  });

  it("is partial when Prometheus refuses the request-rate query, naming it, with CPU and memory still recommended", async () => {
    const t = await open({ env });
    const { done, report } = await viaApi(t, {
      source: source(),
      options: { capacity_per_replica: 4, request_rate_query: "sum(rate(" },
    });
    expect(done).toMatchObject({ status: "partial", error: null });
    expect(report.recommendations[0]?.cpu?.request).toBeGreaterThan(0);
    expect(report.workloads).toHaveLength(1);
    expect(report.workloads[0]?.replicas).toBeNull();
    expect(report.workloads[0]?.replicas_error).toMatch(/^Prometheus refused the query "sum\(rate\(": /);
    const metadata = (
      await t.request("GET", `/api/v1/collections/${done.collection_id}/metadata.json`)
    ).json();
    expect(metadata.status).toBe("complete");
    expect(metadata.metadata.failed_queries.request_rate).toBe(report.workloads[0]?.replicas_error);

    const empty = await viaApi(t, {
      source: source(),
      options: {
        capacity_per_replica: 4,
        request_rate_query: 'sum(rate(nothing_total{namespace="shop"}[5m]))',
      },
    });
    expect(empty.done.status).toBe("partial");
    expect(empty.report.workloads[0]?.replicas_error).toBe(
      'the request-rate query returned nothing (sum(rate(nothing_total{namespace="shop"}[5m]))): give options.request_rate_query',
    );
  });

  it("answers each bad replica option with a 400 naming the field and the rule, storing nothing", async () => {
    const t = await open({ env });
    const experiments = new ExperimentsRepo(t.platform.store.db);
    const running = await experiments.create({ name: "running", spec: {}, apiKeyId: null });
    await experiments.start(running.id);
    const never = await experiments.create({ name: "never", spec: {}, apiKeyId: null });
    await experiments.start(never.id);
    await experiments.finish(never.id, "complete", {
      result: { capacity_per_replica: null, status: "never_held" },
    });
    const csv = { kind: "csv", csv: "timestamp,value\n1,2" };
    const cases: [Body, string[]][] = [
      [
        { source: csv, options: { capacity_per_replica: 5 } },
        ["options.capacity_per_replica:needs_prometheus"],
      ],
      [
        { source: csv, options: { target_utilization: 0.5 } },
        ["options.target_utilization:needs_prometheus"],
      ],
      [
        { source: csv, options: { workload_kind: "StatefulSet" } },
        ["options.workload_kind:needs_prometheus"],
      ],
      [
        { source: source({ workload: undefined }), options: { capacity_per_replica: 5 } },
        ["options.capacity_per_replica:needs_workload"],
      ],
      [
        { source: source({ workload: undefined }), options: { experiment_id: never.id } },
        ["options.experiment_id:needs_workload"],
      ],
      [
        { source: source(), options: { capacity_per_replica: 0 } },
        ["options.capacity_per_replica:too_small"],
      ],
      [
        { source: source(), options: { capacity_per_replica: "20" } },
        ["options.capacity_per_replica:invalid_type"],
      ],
      [
        { source: source(), options: { capacity_per_replica: 5, experiment_id: never.id } },
        ["options.experiment_id:exclusive"],
      ],
      [
        { source: source(), options: { request_rate_query: "up" } },
        ["options.request_rate_query:needs_capacity"],
      ],
      [
        { source: source(), options: { capacity_per_replica: 5, request_rate_query: " " } },
        ["options.request_rate_query:too_small"],
      ],
      [
        { source: source(), options: { capacity_per_replica: 5, request_rate_query: "x".repeat(4001) } },
        ["options.request_rate_query:too_big"],
      ],
      [{ source: source(), options: { target_utilization: 0 } }, ["options.target_utilization:too_small"]],
      [{ source: source(), options: { target_utilization: 1.5 } }, ["options.target_utilization:too_big"]],
      [
        { source: source(), options: { workload_kind: "DaemonSet" } },
        ["options.workload_kind:invalid_value"],
      ],
      [{ source: source(), options: { experiment_id: 1.5 } }, ["options.experiment_id:invalid_type"]],
      [{ source: source(), options: { experiment_id: 999_999 } }, ["options.experiment_id:exists"]],
      [{ source: source(), options: { experiment_id: running.id } }, ["options.experiment_id:complete"]],
      [{ source: source(), options: { experiment_id: never.id } }, ["options.experiment_id:has_capacity"]],
    ];
    for (const [body, details] of cases) {
      const r = await t.request("POST", "/api/v1/recommendations", body);
      expect(r.statusCode, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(detailsOf(r.json()), JSON.stringify(body).slice(0, 200)).toEqual(details);
    }
    const incomplete = await t.request("POST", "/api/v1/recommendations", {
      source: source(),
      options: { experiment_id: running.id },
    });
    expect(incomplete.json().details[0].message).toBe(
      `experiment ${running.id} is running: only a complete experiment's capacity is used`,
    );
    const noCapacity = await t.request("POST", "/api/v1/recommendations", {
      source: source(),
      options: { experiment_id: never.id },
    });
    expect(noCapacity.json().details[0].message).toContain("(its verdict: never_held)");
    expect((await t.request("GET", "/api/v1/recommendations")).json().items).toEqual([]);
    expect((await t.request("GET", "/api/v1/collections")).json().items).toEqual([]);
  });
});

it.runIf(!hasPrometheus && requireTools)(
  "has prometheus and promtool installed when AUREA_REQUIRE_TOOLS=1",
  () => {
    expect.fail("prometheus/promtool are not on PATH (Debian package prometheus)");
  },
);
