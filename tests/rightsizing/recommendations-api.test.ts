import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { execute } from "../../src/cli/program.js";
import { parseUsageCsv } from "../../src/rightsizing/csv.js";
import { captureStream } from "../support/capture.js";
import { type PlatformApp, platformApps } from "../support/platform-app.js";
import { DRIVERS } from "../support/stores.js";

const NAB = join(import.meta.dirname, "../fixtures/nab/ec2_cpu_utilization_53ea38.csv");
const NAB_NAME = "ec2_cpu_utilization_53ea38";

async function aurea(...argv: string[]) {
  const stdout = captureStream();
  const stderr = captureStream();
  const code = await execute(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Polls recommendation `id` until it is no longer running. */
async function finished(
  t: PlatformApp,
  id: number,
  timeoutMs = 120_000,
  headers: Record<string, string> = {},
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await t.app.inject({ method: "GET", url: `/api/v1/recommendations/${id}`, headers });
    const body = r.json() as Record<string, unknown>;
    if (body.status !== "running") return body;
    if (Date.now() > deadline) throw new Error(`recommendation ${id} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** 5-minute rows of a daily cycle, `hours` long (too short to recommend below 72 h). */
function shortCsv(hours: number) {
  const start = Date.UTC(2026, 0, 5) / 1000;
  const rows = Array.from(
    { length: hours * 12 },
    (_, i) => `${start + i * 300},${(1 + Math.sin(i / 20)).toFixed(3)}`,
  );
  return ["timestamp,value", ...rows].join("\n");
}

const detailsOf = (body: unknown) =>
  ((body as { details?: { field: string; rule: string }[] }).details ?? []).map(
    (d) => `${d.field}:${d.rule}`,
  );

describe.each(DRIVERS)("/api/v1/recommendations (%s)", (driver) => {
  const open = platformApps(driver);

  it("makes a recommendation from a NAB CSV in the background whose report is what aurea recommend --csv --json prints", async () => {
    const t = await open();
    const csv = await readFile(NAB, "utf8");
    const created = await t.request("POST", "/api/v1/recommendations", {
      source: { kind: "csv", csv, file: NAB },
    });
    expect(created.statusCode).toBe(202);
    const summary = created.json();
    expect(created.headers.location).toBe(`/api/v1/recommendations/${summary.id}`);
    expect(summary).toMatchObject({
      name: NAB_NAME,
      status: "running",
      source: { kind: "csv", file: NAB },
      series_count: null,
      finished_at: null,
      error: null,
    });
    expect(JSON.stringify(summary)).not.toContain("2014-02-14");

    const done = await finished(t, summary.id);
    expect(done.status).toBe("complete");
    expect(done.series_count).toBe(1);
    // A CSV has no workloads: no replica options.
    expect(done.options).toEqual({
      models: ["seasonal_naive", "mstl"],
      quantile: 0.97,
      capacity_per_replica: null,
      experiment_id: null,
      capacity_status: null,
      target_utilization: null,
      request_rate_query: null,
      workload_kind: "Deployment",
    });
    const cli = await aurea("recommend", "--csv", NAB, "--json");
    expect(cli.code).toBe(0);
    const expected = JSON.parse(cli.stdout);
    const report = done.report as Record<string, unknown>;
    expect(Date.parse(report.generated_at as string)).toBeGreaterThan(0);
    expect({ ...report, generated_at: "" }).toEqual({ ...expected, generated_at: "" });
    expect(done.min_confidence).toBe(expected.recommendations[0].confidence);

    // The usage the recommendation was made from: 4,032 five-minute points in buckets of 3.
    const usage = await t.request(
      "GET",
      `/api/v1/recommendations/${summary.id}/usage?series=${NAB_NAME}&resource=cpu`,
    );
    expect(usage.statusCode).toBe(200);
    const u = usage.json();
    const values = csv
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => Number(line.split(",")[1]));
    expect(u).toMatchObject({
      name: NAB_NAME,
      resource: "cpu",
      start: "2014-02-14T14:30:00.000Z",
      step_ms: 900_000,
    });
    expect(u.values).toHaveLength(Math.ceil(values.length / 3));
    expect(u.values[0]).toBeCloseTo((values[0]! + values[1]! + values[2]!) / 3, 10);
    expect(u.peaks[0]).toBe(Math.max(values[0]!, values[1]!, values[2]!));
    const unknown = await t.request("GET", `/api/v1/recommendations/${summary.id}/usage?series=nope`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain('no cpu series named "nope"');
    expect(detailsOf(unknown.json())).toEqual(["series:exists"]);
    const memory = await t.request(
      "GET",
      `/api/v1/recommendations/${summary.id}/usage?series=${NAB_NAME}&resource=memory`,
    );
    expect(memory.statusCode).toBe(404);

    // Exports: the report as CSV, and the collected usage in the CSV form recommend reads.
    const exported = await t.request("GET", `/api/v1/recommendations/${summary.id}/export.csv`);
    expect(exported.statusCode).toBe(200);
    expect(exported.headers["content-type"]).toMatch(/^text\/csv/);
    const [header, row, ...rest] = exported.body.trim().split("\n");
    expect(rest).toEqual([]);
    expect(header).toBe(
      "name,resource,request,request_low,request_high,limit,confidence,vpa_request,krr_request,krr_limit,verdict,error",
    );
    const cpu = expected.recommendations[0].cpu;
    expect(row).toBe(
      [
        NAB_NAME,
        "cpu",
        cpu.request,
        ...cpu.request_bounds,
        cpu.limit,
        cpu.confidence,
        expected.recommendations[0].baselines.vpa.cpu.request,
        expected.recommendations[0].baselines.krr.cpu.request,
        "",
        cpu.quality.verdict,
        "",
      ].join(","),
    );
    const usageCsv = await t.request("GET", `/api/v1/collections/${summary.collection_id}/export.csv`);
    expect(usageCsv.statusCode).toBe(200);
    expect(usageCsv.body.split("\n")[0]).toBe(`timestamp,${NAB_NAME}`);
    const original = parseUsageCsv(csv, NAB_NAME).series[0]!;
    const again = parseUsageCsv(usageCsv.body, NAB_NAME).series[0]!;
    expect(again.startMs).toBe(original.startMs);
    expect(again.stepMs).toBe(original.stepMs);
    expect(Array.from(again.values)).toEqual(Array.from(original.values));

    const metadata = await t.request("GET", `/api/v1/recommendations/${summary.id}/metadata.json`);
    expect(metadata.statusCode).toBe(200);
    expect(metadata.json()).toMatchObject({
      recommendation: { id: summary.id, status: "complete" },
      options: { name: NAB_NAME, models: ["seasonal_naive", "mstl"], quantile: 0.97 },
      generated_at: report.generated_at,
      collection: {
        id: summary.collection_id,
        status: "complete",
        source: { kind: "csv", file: NAB, step_ms: 300_000 },
        progress: { chunks_done: 1, chunks_total: 1 },
        metadata: {
          csv: { file: NAB, rows: values.length, skipped: 0 },
          series: [{ name: NAB_NAME, resource: "cpu", points: values.length, step_ms: 300_000 }],
        },
      },
    });

    // And its figures reach /metrics for Grafana.
    const metrics = (await t.request("GET", "/metrics")).body;
    expect(metrics).toContain('aurea_rightsizing_recommendations_total{status="complete"} 1');
    expect(metrics).toContain("aurea_rightsizing_recommendation_duration_seconds_count 1");
    expect(metrics).toContain('aurea_rightsizing_collections_total{status="complete"} 1');
    expect(metrics).toContain(`aurea_rightsizing_collected_points_total ${values.length}`);
    expect(metrics).toContain(
      `aurea_rightsizing_recommended_cpu{series="${NAB_NAME}",kind="request",recommender="aurea"} ${cpu.request}`,
    );
    expect(metrics).toContain(
      `aurea_rightsizing_recommended_cpu{series="${NAB_NAME}",kind="request",recommender="vpa"} ${expected.recommendations[0].baselines.vpa.cpu.request}`,
    );
    expect(metrics).toContain(
      `aurea_rightsizing_confidence{series="${NAB_NAME}",resource="cpu"} ${cpu.confidence}`,
    );
  });

  it("lists recommendations newest first with a cursor, and fails one whose every series is refused", async () => {
    const t = await open();
    const ids: number[] = [];
    for (const name of ["a", "b", "c"]) {
      const r = await t.request("POST", "/api/v1/recommendations", {
        name,
        source: { kind: "csv", csv: shortCsv(24) },
        options: { models: ["seasonal_naive"], quantile: 0.9 },
      });
      expect(r.statusCode).toBe(202);
      ids.push(r.json().id);
    }
    const failed = await finished(t, ids[2]!);
    expect(failed).toMatchObject({ status: "failed", series_count: 1, min_confidence: null });
    expect(failed.error).toMatch(/^no series could be recommended: usage \(cpu\): /);
    expect((failed.report as { errors: unknown[] }).errors).toHaveLength(1);

    const first = await t.request("GET", "/api/v1/recommendations?limit=2");
    expect(first.statusCode).toBe(200);
    const page = first.json();
    expect(page.items.map((r: { name: string }) => r.name)).toEqual(["c", "b"]);
    expect(page.items[0].source).toEqual({ kind: "csv", file: "usage.csv" });
    const second = (
      await t.request("GET", `/api/v1/recommendations?limit=2&cursor=${page.next_cursor}`)
    ).json();
    expect(second.items.map((r: { id: number }) => r.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();
    const collections = (await t.request("GET", "/api/v1/collections?limit=5")).json();
    expect(collections.items).toHaveLength(3);
    expect(collections.items[0]).toMatchObject({ name: "c", status: "complete", source: { kind: "csv" } });
    for (const id of ids) await finished(t, id);
  });

  it("answers bad input with a 4xx naming the field and the rule", async () => {
    const t = await open({ env: { AUREA_MAX_BODY_BYTES: "4096" } });
    const post = (body: unknown) => t.request("POST", "/api/v1/recommendations", body);
    const cases: [unknown, string[]][] = [
      [{}, ["source:invalid_type"]],
      [{ source: { kind: "excel" } }, ["source.kind:invalid_union"]],
      [{ source: { kind: "csv" } }, ["source.csv:invalid_type"]],
      [{ source: { kind: "csv", csv: "when,value\n1,2" } }, ["source.csv:csv_header"]],
      [{ source: { kind: "csv", csv: "timestamp,value\nyesterday,2\n" } }, ["source.csv:csv_rows"]],
      [{ source: { kind: "csv", csv: "timestamp,value\n" } }, ["source.csv:csv_rows"]],
      [
        { source: { kind: "csv", csv: "timestamp,value\n1,2" }, options: { models: ["arima"] } },
        ["options.models.0:invalid_value"],
      ],
      [
        { source: { kind: "csv", csv: "timestamp,value\n1,2" }, options: { quantile: 1.5 } },
        ["options.quantile:too_big"],
      ],
      [{ source: { kind: "csv", csv: "timestamp,value\n1,2" }, extra: 1 }, ["extra:unknown_field"]],
      [{ source: { kind: "prometheus", url: "ftp://x", namespace: "shop" } }, ["source.url:custom"]],
      [
        { source: { kind: "prometheus", url: "http://u:p@127.0.0.1:9", namespace: "shop" } },
        ["source.url:custom"],
      ],
      [
        { source: { kind: "prometheus", url: "http://127.0.0.1:9", namespace: "Shop!" } },
        ["source.namespace:invalid_format"],
      ],
      [
        {
          source: {
            kind: "prometheus",
            url: "http://127.0.0.1:9",
            namespace: "shop",
            days: 90,
            step_seconds: 10,
          },
        },
        ["source.step_seconds:max_points"],
      ],
      [
        { source: { kind: "prometheus", url: "http://127.0.0.1:9", namespace: "shop" } },
        ["source.url:ssrf_blocked"],
      ],
      [
        { source: { kind: "prometheus", url: "http://169.254.169.254/", namespace: "shop" } },
        ["source.url:ssrf_blocked"],
      ],
    ];
    for (const [body, details] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(detailsOf(r.json()), JSON.stringify(body)).toEqual(details);
    }
    const blocked = await post({
      source: { kind: "prometheus", url: "http://127.0.0.1:9", namespace: "shop" },
    });
    expect(blocked.json().details[0].message).toContain("AUREA_ALLOW_HOSTS");

    const big = await post({ source: { kind: "csv", csv: `timestamp,value\n${"1,2\n".repeat(2000)}` } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: "body_too_large" });
    expect(detailsOf(big.json())).toEqual(["source.csv:max_bytes"]);
    expect(big.json().message).toContain("4096 bytes");

    expect((await t.request("GET", "/api/v1/recommendations/abc")).statusCode).toBe(400);
    const missing = await t.request("GET", "/api/v1/recommendations/999");
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe("no recommendation with id 999");
    expect((await t.request("GET", "/api/v1/recommendations/999/usage?series=x")).statusCode).toBe(404);
    expect((await t.request("GET", "/api/v1/recommendations/999/export.csv")).statusCode).toBe(404);
    expect(detailsOf((await t.request("GET", "/api/v1/recommendations?cursor=zz")).json())).toEqual([
      "cursor:invalid_cursor",
    ]);
    expect(detailsOf((await t.request("GET", "/api/v1/recommendations?limit=0")).json())).toEqual([
      "limit:too_small",
    ]);
    expect((await t.request("GET", "/api/v1/collections/999")).statusCode).toBe(404);
    expect((await t.request("POST", "/api/v1/collections/999/resume")).statusCode).toBe(404);
    // Nothing was stored for any of them.
    expect((await t.request("GET", "/api/v1/recommendations")).json().items).toEqual([]);
    expect((await t.request("GET", "/api/v1/collections")).json().items).toEqual([]);
  });

  it("lets a read key list and read recommendations but not create one", async () => {
    const t = await open();
    const call = (method: string, url: string, key: string, body?: unknown) =>
      t.app.inject({
        method: method as "GET",
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    const admin = (await t.request("POST", "/api/v1/keys", { name: "admin", scope: "admin" })).json()
      .key as string;
    const reader = (await call("POST", "/api/v1/keys", admin, { name: "reader", scope: "read" })).json()
      .key as string;
    const writer = (await call("POST", "/api/v1/keys", admin, { name: "writer", scope: "write" })).json()
      .key as string;
    const body = { name: "scoped", source: { kind: "csv", csv: shortCsv(6) } };
    const refused = await call("POST", "/api/v1/recommendations", reader, body);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: "insufficient_scope" });
    expect((await t.request("POST", "/api/v1/recommendations", body)).statusCode).toBe(401);
    const created = await call("POST", "/api/v1/recommendations", writer, body);
    expect(created.statusCode).toBe(202);
    const listed = await call("GET", "/api/v1/recommendations", reader);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items.map((r: { name: string }) => r.name)).toEqual(["scoped"]);
    expect((await call("GET", "/api/v1/collections", reader)).statusCode).toBe(200);
    expect(
      (await call("POST", `/api/v1/collections/${created.json().collection_id}/resume`, reader)).statusCode,
    ).toBe(403);
    await finished(t, created.json().id, 60_000, { authorization: `Bearer ${reader}` });
  });

  it("describes its routes in the OpenAPI document", async () => {
    const t = await open();
    const doc = (await t.request("GET", "/docs/json")).json();
    for (const path of [
      "/api/v1/recommendations/",
      "/api/v1/recommendations/{id}",
      "/api/v1/recommendations/{id}/usage",
      "/api/v1/recommendations/{id}/export.csv",
      "/api/v1/recommendations/{id}/metadata.json",
      "/api/v1/collections/",
      "/api/v1/collections/{id}/resume",
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    const body = doc.paths["/api/v1/recommendations/"].post.requestBody.content["application/json"].schema;
    expect(JSON.stringify(body)).toContain("step_seconds");
  });
});
