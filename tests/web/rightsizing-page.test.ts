import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ExperimentView,
  RecommendationList,
  RecommendationView,
  ResourceEntry,
  UsageView,
} from "../../web/src/api/types.js";
import { ms, rate } from "../../web/src/format.js";
import { type CapacityTarget, startCapacityTarget } from "../rightsizing/experiment-target.js";
import { type Browser, browserUnavailable, collectPageErrors, launchBrowser } from "../support/browser.js";
import { type BackfilledPrometheus, hasPrometheus, startNabPrometheus } from "../support/prometheus.js";
import { screenshot } from "../support/screenshots.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const unavailable = browserUnavailable();
if (unavailable) console.warn(`skipping the browser tests: ${unavailable}`);

const NAB_FILE = "ec2_cpu_utilization_53ea38.csv";
const NAB = join(import.meta.dirname, "../fixtures/nab", NAB_FILE);
/** A header that is neither `timestamp,value` nor `timestamp,<series>,…`. */
const BAD_CSV = "when;how much\n2014-02-14 14:30:00;1.7\n";

/** One series of "requests/s" in the NAB TSDB: cart's CPU × 1,000 (15–25/s). */
const RATE_QUERY =
  'sum(rate(container_cpu_usage_seconds_total{namespace="shop",pod=~"cart-.*",container="cart"}[5m])) * 1000';

/** A number as the page writes it (`12.34`, `0.25 cores`, `97 %`): the leading figure. */
const shownNumber = (text: string | null) => Number(/-?[\d.]+(e-?\d+)?/.exec(text ?? "")?.[0]);

/** The chart's plot box and y scale, as the chart recorded them when uPlot drew. */
interface Drawn {
  usagePoints: number;
  forecastPoints: number;
  bandPoints: number;
  yMin: number;
  yMax: number;
  plotBox: { left: number; top: number; width: number; height: number };
}

/** The parts of the chart's element the page functions below use (the tests compile without DOM types). */
interface ChartElement {
  dataset: Record<string, string | undefined>;
  querySelector(selector: "canvas"): {
    getContext(kind: "2d"): {
      getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    };
  };
}

async function drawn(chart: Locator): Promise<Drawn> {
  const data = await chart.evaluate((el: ChartElement) => ({ ...el.dataset }));
  return {
    usagePoints: Number(data.usagePoints),
    forecastPoints: Number(data.forecastPoints),
    bandPoints: Number(data.bandPoints),
    yMin: Number(data.yMin),
    yMax: Number(data.yMax),
    plotBox: JSON.parse(data.plotBox ?? "null"),
  };
}

/**
 * Share of x positions across the plot where a pixel within ±2 rows of canvas row `y` has the
 * colour `rgb` (±40 a channel): how much of a horizontal line of that colour is drawn at `y`.
 */
async function lineCoverage(chart: Locator, y: number, rgb: [number, number, number]): Promise<number> {
  return chart.evaluate(
    (el: ChartElement, { y, rgb }) => {
      const ctx = el.querySelector("canvas").getContext("2d");
      const box = JSON.parse(el.dataset.plotBox!) as { left: number; width: number };
      let hits = 0;
      let samples = 0;
      for (let x = Math.ceil(box.left) + 4; x < box.left + box.width - 4; x += 3) {
        samples++;
        const pixels = ctx.getImageData(x, Math.round(y) - 2, 1, 5).data;
        for (let i = 0; i < pixels.length; i += 4)
          if (
            Math.abs(pixels[i]! - rgb[0]) <= 40 &&
            Math.abs(pixels[i + 1]! - rgb[1]) <= 40 &&
            Math.abs(pixels[i + 2]! - rgb[2]) <= 40 &&
            pixels[i + 3]! > 200
          ) {
            hits++;
            break;
          }
      }
      return hits / samples;
    },
    { y, rgb },
  );
}

/** The canvas row of value `v` on the chart's y scale (uPlot's valToPos for the canvas). */
const rowOf = (d: Drawn, v: number) =>
  d.plotBox.top + (1 - (v - d.yMin) / (d.yMax - d.yMin)) * d.plotBox.height;

/**
 * The Rightsizing page in a real Chromium against the real server (fresh PGlite, the in-process
 * queue, the built UI): a NAB series uploaded through the form, recommended by the API, drawn.
 * The tests run in order and build on each other.
 */
describe.skipIf(unavailable !== undefined)("the Rightsizing page in a browser", () => {
  let server: WebServer;
  let prometheus: BackfilledPrometheus | undefined;
  let target: CapacityTarget;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let id: number;
  let rec: RecommendationView;

  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    // Experiments drive a target on 127.0.0.1, which the server refuses unless allowed.
    server = await startWebServer({ AUREA_ALLOW_HOSTS: "127.0.0.1" });
    target = await startCapacityTarget({ slots: 2, serviceMs: 20 });
    if (hasPrometheus) prometheus = await startNabPrometheus();
    browser = await launchBrowser();
    page = await browser.page();
    collectPageErrors(page, errors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await target?.close();
    await prometheus?.stop();
  });

  const upload = async (name: string, text: string) => {
    await page
      .getByLabel("Usage CSV")
      .setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
    await page.getByRole("button", { name: "Recommend", exact: true }).click();
  };

  it("is in the navigation and says what to do before any recommendation exists", async () => {
    await page.goto(server.url);
    await page.getByRole("link", { name: "Rightsizing" }).click();
    await page.getByRole("heading", { name: "Rightsizing", level: 1 }).waitFor();
    await page.getByText("No recommendations yet").waitFor();
  });

  it("shows the API's message, naming the field, for a CSV it refuses", async () => {
    const refused = await api<{ message: string; details?: { field: string; message: string }[] }>(
      "/api/v1/recommendations",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ source: { kind: "csv", csv: BAD_CSV, file: "bad.csv" } }),
      },
    );
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const detail = refused.body.details?.find((d) => d.field.startsWith("source"));
    expect(detail, JSON.stringify(refused.body)).toBeDefined();

    await page.getByRole("button", { name: "New recommendation" }).click();
    await upload("bad.csv", BAD_CSV);
    const alert = page.locator(".form-errors");
    await alert.waitFor();
    expect(await alert.textContent()).toContain(refused.body.message);
    // The field's own message, under the file input, which is marked invalid.
    const input = page.getByLabel("Usage CSV");
    expect(await input.getAttribute("aria-invalid")).toBe("true");
    const under = page.locator(
      `#${await input.getAttribute("aria-describedby").then((d) => d?.split(" ").at(-1))}`,
    );
    expect(await under.textContent()).toBe(detail!.message);
    await screenshot(page, "rightsizing-refused-csv");
    // Nothing was stored.
    const list = await api<RecommendationList>("/api/v1/recommendations");
    expect(list.body.items).toEqual([]);
  });

  it("uploads a NAB series through the form and follows the recommendation until it is complete", async () => {
    await upload(NAB_FILE, await readFile(NAB, "utf8"));
    await page.waitForURL(/\/rightsizing\/\d+$/);
    id = Number(/\/rightsizing\/(\d+)/.exec(page.url())?.[1]);
    // Polled without a reload: the status goes from running to complete.
    await page.locator('.rs-detail[data-status="complete"]').waitFor({ timeout: 90_000 });
    rec = (await api<RecommendationView>(`/api/v1/recommendations/${id}`)).body;
    expect(rec.status).toBe("complete");
    expect(rec.report?.recommendations).toHaveLength(1);
  }, 120_000);

  it("lists it with its status, source, series count and worst confidence", async () => {
    const row = page.locator(`tr[data-recommendation-id="${id}"]`);
    await row.getByText("complete", { exact: true }).waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells[2]).toBe(`CSV ${NAB_FILE}`);
    expect(Number(cells[4])).toBe(rec.series_count);
    expect(shownNumber(cells[5]!) / 100).toBeCloseTo(rec.min_confidence!, 2);
  });

  it("shows the numbers the API answers beside the chart", async () => {
    const series = rec.report!.recommendations[0]!;
    const cpu = series.cpu as ResourceEntry;
    const panel = page.locator(`[data-series="${series.name}"][data-resource="cpu"]`);
    await panel.waitFor();
    const figure = (field: string) => panel.locator(`[data-field="${field}"]`);
    const expectShown = async (field: string, value: number) => {
      expect(Number(await figure(field).getAttribute("data-value"))).toBe(value);
      // Shown to 4 significant digits.
      expect(shownNumber(await figure(field).textContent())).toBe(Number(value.toPrecision(4)));
    };
    await expectShown("request", cpu.request);
    await expectShown("limit", cpu.limit);
    await expectShown("vpa", series.baselines.vpa.cpu!.request);
    await expectShown("krr", series.baselines.krr.cpu!.request);
    expect(Number(await figure("confidence").getAttribute("data-value"))).toBe(cpu.confidence);
    expect(await figure("confidence").textContent()).toBe(`${(cpu.confidence * 100).toFixed(0)} %`);
    const bounds = await figure("request_bounds").textContent();
    expect(bounds?.split("–").map(shownNumber)).toEqual(
      cpu.request_bounds.map((b) => Number(b.toPrecision(4))),
    );
    const parts = await figure("confidence_parts").locator("li").allTextContents();
    expect(parts).toHaveLength(Object.keys(cpu.confidence_parts).length);
    for (const model of cpu.forecast.models) {
      const cells = await panel.locator(`tr[data-model="${model.name}"] td`).allTextContents();
      expect(cells[0]).toBe(model.name);
      expect(Number(cells[1])).toBeCloseTo(model.weight, 2);
      expect(Number(cells[2])).toBeCloseTo(model.mase, 2);
    }
    expect(await panel.getByText(`Data quality: ${cpu.quality.verdict}`).count()).toBe(1);
  });

  it("draws the usage, the forecast band and the request line at the API's value on one chart", async () => {
    const series = rec.report!.recommendations[0]!;
    const cpu = series.cpu as ResourceEntry;
    const chart = page.locator(
      `[data-series="${series.name}"][data-resource="cpu"] .chart[data-usage-points]`,
    );
    await chart.waitFor();
    const usage = (
      await api<UsageView>(
        `/api/v1/recommendations/${id}/usage?series=${encodeURIComponent(series.name)}&resource=cpu`,
      )
    ).body;
    const recorded = usage.values.filter((v) => v !== null).length;
    // The last 3 days of history by default (the 24 h ahead stay readable), all of it on request.
    const recent = await drawn(chart);
    expect(recent.usagePoints).toBeGreaterThan(0);
    expect(recent.usagePoints).toBeLessThan(recorded);
    const bucketsIn3Days = (3 * 86_400_000) / usage.step_ms;
    expect(recent.usagePoints).toBeLessThanOrEqual(bucketsIn3Days + 1);
    const panel = page.locator(`[data-series="${series.name}"][data-resource="cpu"]`);
    await panel.getByLabel("History shown").selectOption("all");
    await page.waitForFunction(
      `document.querySelector(".chart[data-usage-points]")?.dataset.usagePoints === "${recorded}"`,
    );
    const d = await drawn(chart);
    expect(d.usagePoints).toBe(recorded);
    // Each forecast block and the end of the last one.
    expect(d.forecastPoints).toBe(cpu.forecast.point.length + 1);
    expect(d.bandPoints).toBe(cpu.forecast.upper.length + 1);
    expect(d.yMax).toBeGreaterThanOrEqual(cpu.limit);

    const legend = await chart.locator(".u-legend").textContent();
    for (const label of [
      "usage (mean)",
      "usage (peak)",
      "forecast",
      "forecast upper band",
      "Aurea request",
      "Aurea limit",
      "VPA request",
      "KRR request",
    ])
      expect(legend).toContain(label);

    // Aurea's request is drawn in the theme's "good" colour: its pixels lie along the row of
    // the API's request value across the plot, and not a few rows away.
    const good = String(
      await page.evaluate(`getComputedStyle(document.documentElement).getPropertyValue("--good").trim()`),
    );
    const rgb = [1, 3, 5].map((i) => Number.parseInt(good.slice(i, i + 2), 16)) as [number, number, number];
    const at = rowOf(d, cpu.request);
    expect(await lineCoverage(chart, at, rgb)).toBeGreaterThan(0.6);
    const away = at + (at - d.plotBox.top > d.plotBox.height / 2 ? -14 : 14);
    expect(await lineCoverage(chart, away, rgb)).toBeLessThan(0.1);
    await screenshot(page, "rightsizing-recommendation");
  });

  it("downloads the CSV export and the JSON metadata", async () => {
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByText("Export CSV").click()]);
    const csvText = await readFile((await csv.path())!, "utf8");
    const direct = await fetch(`${server.url}/api/v1/recommendations/${id}/export.csv`);
    expect(csvText).toBe(await direct.text());
    expect(csvText.length).toBeGreaterThan(0);
    const [json] = await Promise.all([
      page.waitForEvent("download"),
      page.getByText("Metadata JSON").click(),
    ]);
    const metadata = JSON.parse(await readFile((await json.path())!, "utf8"));
    expect(metadata).toEqual(
      await (await fetch(`${server.url}/api/v1/recommendations/${id}/metadata.json`)).json(),
    );
  });

  it("lists a load experiment and shows its steps' latency and throughput as the API answers them", async () => {
    // A target of 100 jobs/s (2 workers × 20 ms): the SLO holds at 40 and 90, not at 160.
    const created = await server.post<ExperimentView>("/api/v1/experiments", {
      name: "checkout capacity",
      target: { kind: "http", url: target.url },
      rates: [40, 90, 160],
      step_duration: "1s",
      warmup: "1s",
      graceful_stop: "1s",
      slo: ["p95<100ms"],
    });
    await page.getByRole("link", { name: "Load experiments" }).click();
    await page.waitForURL(/\/rightsizing\/experiments$/);
    await page.getByRole("link", { name: "checkout capacity" }).click();
    await page.locator('.rs-detail[data-status="complete"]').waitFor({ timeout: 60_000 });
    const experiment = (await api<ExperimentView>(`/api/v1/experiments/${created.id}`)).body;
    expect(experiment.status).toBe("complete");
    const steps = experiment.steps!;
    expect(steps).toHaveLength(3);
    const table = page.getByTestId("experiment-steps");
    for (const step of steps) {
      const cells = await table.locator(`tr[data-step="${step.step}"] td`).allTextContents();
      const m = step.measurements!;
      expect(cells[0]).toBe(String(step.step));
      expect(cells.slice(2, 8)).toEqual([
        rate(step.load),
        rate(m.throughput),
        `${(m.error_rate! * 100).toFixed(1)} %`,
        ms(m.latency_ms.p50),
        ms(m.latency_ms.p95),
        ms(m.latency_ms.p99),
      ]);
      expect(cells[10]).toBe(m.slo_passed ? "held" : "missed");
    }
    const capacity = experiment.result!.capacity_per_replica!;
    expect(await page.locator(".rs-detail .facts").textContent()).toContain(`${rate(capacity)} per replica`);
    const row = page.locator(`tr[data-experiment-id="${created.id}"]`);
    expect(await row.locator("td").nth(4).textContent()).toBe(`${rate(capacity)} per replica`);
    const chart = page.locator('[aria-labelledby="experiment-chart-heading"] .chart[data-rendered="true"]');
    await chart.waitFor();
    const legend = await chart.locator(".u-legend").textContent();
    for (const label of ["p50", "p95", "p99", "SLO p95<100ms", "offered", "throughput"])
      expect(legend).toContain(label);
    await screenshot(page, "rightsizing-experiment");
  }, 90_000);

  it("says a CSV recommendation has no workloads rather than showing an empty table", async () => {
    await page.goto(`${server.url}/rightsizing/${id}`);
    await page.locator('.rs-detail[data-status="complete"]').waitFor();
    expect(await page.getByTestId("rs-no-workloads").textContent()).toContain(
      "a CSV source names no workloads",
    );
    expect(await page.getByTestId("rs-workloads").count()).toBe(0);
  });

  it.skipIf(!hasPrometheus)(
    "makes a Prometheus recommendation with a capacity per replica through the form and shows its workloads as the API answers them",
    async () => {
      await page.goto(`${server.url}/rightsizing`);
      await page.getByRole("button", { name: "New recommendation" }).click();
      expect(await page.getByTestId("csv-no-workloads").count()).toBe(1);
      await page.getByLabel("a Prometheus").check();
      // Sent blank: the API's messages land under the Prometheus fields.
      await page.getByRole("button", { name: "Recommend", exact: true }).click();
      await page.locator(".form-errors").waitFor();
      expect(await page.getByLabel("Prometheus URL").getAttribute("aria-invalid")).toBe("true");
      expect(await page.getByLabel("Namespace").getAttribute("aria-invalid")).toBe("true");
      // The capacity is one workload's: offered once a workload is named, the query once a capacity is.
      expect(await page.getByLabel("Capacity per replica (req/s)").count()).toBe(0);
      await page.getByLabel("Prometheus URL").fill((prometheus as BackfilledPrometheus).url);
      await page.getByLabel("Namespace").fill("shop");
      await page.getByLabel("Workload", { exact: true }).fill("cart");
      expect(await page.getByLabel("Request-rate query").count()).toBe(0);
      await page.getByLabel("Capacity per replica (req/s)").fill("4");
      await page.getByLabel("Request-rate query").fill(RATE_QUERY);
      await page.getByLabel("Target utilisation").fill("0.5");
      await page.getByRole("button", { name: "Recommend", exact: true }).click();
      await page.waitForURL(/\/rightsizing\/\d+$/);
      const promId = Number(/\/rightsizing\/(\d+)/.exec(page.url())?.[1]);
      await page.locator('.rs-detail[data-status="complete"]').waitFor({ timeout: 90_000 });
      const made = (await api<RecommendationView>(`/api/v1/recommendations/${promId}`)).body;
      expect(made.options).toMatchObject({
        capacity_per_replica: 4,
        target_utilization: 0.5,
        request_rate_query: RATE_QUERY,
      });
      const [workload] = made.report!.workloads;
      const replicas = workload!.replicas!;
      expect(replicas).toMatchObject({
        basis: "request_rate",
        capacity_per_replica: 4,
        target_utilization: 0.5,
      });
      const row = page.locator('[data-testid="rs-workloads"] tr[data-workload="cart"]');
      const cell = (field: string) => row.locator(`[data-field="${field}"]`);
      expect(await row.locator("td").first().textContent()).toBe("Deployment shop/cart");
      expect(Number(await cell("recommended").getAttribute("data-value"))).toBe(replicas.recommended);
      // No cluster was read: no count now, no HPA known.
      expect(await cell("recommended").textContent()).toBe(`– → ${replicas.recommended}`);
      expect(await cell("basis").textContent()).toBe("request rate (forecast peak)");
      expect(Number(await cell("demand").getAttribute("data-value"))).toBe(replicas.demand);
      expect(shownNumber(await cell("demand").textContent())).toBe(Number(replicas.demand.toPrecision(4)));
      expect(await cell("capacity").textContent()).toBe("4 req/s at 50 %");
      expect(await cell("hpa").textContent()).toBe("not known (no cluster read)");
      expect(await page.locator(".rs-detail .facts").first().textContent()).toContain(
        "Capacity per replica4 req/s",
      );
      await screenshot(page, "rightsizing-workloads");
    },
    120_000,
  );

  it("takes screenshots at laptop and phone widths, light and dark", async () => {
    for (const [width, height, size] of [
      [1366, 900, "laptop"],
      [390, 844, "phone"],
    ] as const)
      for (const scheme of ["light", "dark"] as const) {
        const shot = await browser.page({ width, height, colorScheme: scheme });
        await shot.goto(`${server.url}/rightsizing/${id}`);
        await shot.locator(".chart[data-usage-points]").waitFor();
        await screenshot(shot, `rightsizing-${size}-${scheme}`);
        await shot.close();
      }
  });

  it("shows a read-only key the recommendations but no form to create one", async () => {
    const admin = await server.post<{ key: string }>("/api/v1/keys", { name: "admin", scope: "admin" });
    const created = await fetch(`${server.url}/api/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin.key}` },
      body: JSON.stringify({ name: "viewer", scope: "read" }),
    });
    const readKey = ((await created.json()) as { key: string }).key;
    const viewer = await browser.page();
    await viewer.goto(`${server.url}/rightsizing/${id}`);
    await viewer.getByLabel("API key").fill(readKey);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    await viewer.locator('.rs-detail[data-status="complete"]').waitFor();
    await viewer.locator(".chart[data-usage-points]").waitFor();
    expect(await viewer.getByRole("button", { name: "New recommendation" }).count()).toBe(0);
    await screenshot(viewer, "rightsizing-read-only");
    // The same page with the admin key offers the form.
    await viewer.getByRole("button", { name: "Sign out" }).click();
    await viewer.getByLabel("API key").fill(admin.key);
    await viewer.getByRole("button", { name: "Sign in" }).click();
    await viewer.getByRole("button", { name: "New recommendation" }).waitFor();
    await viewer.close();
  });

  it("logged no error in the browser console", () => {
    expect(errors).toEqual([]);
  });
});
