import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExperimentList, ExperimentView } from "../../web/src/api/types.js";
import { ms, rate } from "../../web/src/format.js";
import { type CapacityTarget, startCapacityTarget } from "../rightsizing/experiment-target.js";
import { type Browser, browserUnavailable, collectPageErrors, launchBrowser } from "../support/browser.js";
import { screenshot } from "../support/screenshots.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const unavailable = browserUnavailable();
if (unavailable) console.warn(`skipping the browser tests: ${unavailable}`);

interface ErrorAnswer {
  message: string;
  details?: { field: string; rule: string; message: string }[];
}

/**
 * Load experiments started and cancelled from the Rightsizing page in a real Chromium against
 * the real server (fresh PGlite, the built UI) and a local HTTP target of known capacity.
 * The tests run in order.
 */
describe.skipIf(unavailable !== undefined)("starting a load experiment from the web page", () => {
  let server: WebServer;
  let target: CapacityTarget;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const api = async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  /** The message shown under a field's control, which is marked invalid. */
  const shownError = async (label: string) => {
    const input = page.getByLabel(label, { exact: true });
    expect(await input.getAttribute("aria-invalid"), label).toBe("true");
    const id = (await input.getAttribute("aria-describedby"))?.split(" ").at(-1);
    return page.locator(`#${id}`).textContent();
  };
  const openForm = async () => {
    await page.getByRole("button", { name: "New experiment" }).click();
    await page.getByRole("form", { name: "New load experiment" }).waitFor();
  };
  const fill = async (fields: Record<string, string>) => {
    for (const [label, value] of Object.entries(fields))
      await page.getByLabel(label, { exact: true }).fill(value);
  };

  beforeAll(async () => {
    // The target is on 127.0.0.1, which the server refuses unless allowed.
    server = await startWebServer({ AUREA_ALLOW_HOSTS: "127.0.0.1" });
    // 2 workers × 20 ms: 100 jobs/s; a p95 of 100 ms holds at 40 and 90, not at 160.
    target = await startCapacityTarget({ slots: 2, serviceMs: 20 });
    browser = await launchBrowser();
    page = await browser.page();
    collectPageErrors(page, errors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await target?.close();
  });

  it("shows the API's message for each refused field next to that field, and stores nothing", async () => {
    const bad = {
      target: { kind: "http", url: target.url },
      rates: [40, "fast"],
      step_duration: "1.5s",
      slo: ["p97<1s"],
    };
    const refused = await api<ErrorAnswer>("/api/v1/experiments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(bad),
    });
    expect(refused.status).toBe(400);
    const detail = (prefix: string) => refused.body.details?.find((d) => d.field.startsWith(prefix))?.message;
    for (const field of ["rates", "step_duration", "slo"])
      expect(detail(field), JSON.stringify(refused.body)).toBeDefined();

    await page.goto(`${server.url}/rightsizing/experiments`);
    await page.getByText("No load experiments yet").waitFor();
    await openForm();
    await fill({
      "Target URL": target.url,
      "Rates (requests/s)": "40, fast",
      "Step duration": "1.5s",
      SLO: "p97<1s",
    });
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.locator(".form-errors").waitFor();
    expect(await page.locator(".form-errors").textContent()).toContain(refused.body.message);
    expect(await shownError("Rates (requests/s)")).toBe(detail("rates"));
    expect(await shownError("Step duration")).toBe(detail("step_duration"));
    expect(await shownError("SLO")).toBe(detail("slo"));
    expect(await shownError("SLO")).toContain("SLO latency percentiles are p50, p90, p95, p99 and p99.9");
    // Fields the API did not name are not marked.
    expect(await page.getByLabel("Target URL").getAttribute("aria-invalid")).toBeNull();
    await screenshot(page, "rightsizing-experiment-refused");

    // A target the outbound policy refuses (422) is shown under the URL.
    await fill({
      "Target URL": "http://169.254.169.254/latest",
      "Rates (requests/s)": "40",
      "Step duration": "1s",
      SLO: "",
    });
    await page.getByRole("button", { name: "Start experiment" }).click();
    await expect
      .poll(() => page.getByLabel("Target URL", { exact: true }).getAttribute("aria-invalid"))
      .toBe("true");
    // The rates are fine now: no longer marked.
    expect(await page.getByLabel("Rates (requests/s)").getAttribute("aria-invalid")).toBeNull();
    expect(await shownError("Target URL")).toMatch(/169\.254\.169\.254/);
    expect((await api<ExperimentList>("/api/v1/experiments")).body.items).toEqual([]);
  }, 60_000);

  it("starts an experiment against a local target, lists it with its live status and follows it until it is complete", async () => {
    await fill({
      "Target URL": target.url,
      "Rates (requests/s)": "40, 90, 160",
      "Step duration": "1s",
      "Warm-up": "1s",
      "Graceful stop": "1s",
      SLO: "p95<100ms",
      Name: "checkout from the page",
    });
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.waitForURL(/\/rightsizing\/experiments\/\d+$/);
    const id = Number(/\/experiments\/(\d+)/.exec(page.url())?.[1]);
    // The form is gone; the list has the new experiment with a status that is not yet final.
    expect(await page.getByRole("form", { name: "New load experiment" }).count()).toBe(0);
    const row = page.locator(`tr[data-experiment-id="${id}"]`);
    await row.waitFor();
    expect(await row.getByRole("link").textContent()).toBe("checkout from the page");
    const seen = await row.locator(".badge").textContent();
    expect(["pending", "running", "complete"]).toContain(seen);

    // Polled without a reload until the end, the list's badge too.
    await page.locator('.rs-detail[data-status="complete"]').waitFor({ timeout: 60_000 });
    await row.locator(".badge", { hasText: "complete" }).waitFor({ timeout: 10_000 });
    const experiment = (await api<ExperimentView>(`/api/v1/experiments/${id}`)).body;
    expect(experiment).toMatchObject({ status: "complete", name: "checkout from the page" });
    // Exactly what the form was given, the defaults written out by the server.
    expect(experiment.spec).toMatchObject({
      target: { kind: "http", url: target.url, method: "GET" },
      rates: [40, 90, 160],
      step_duration: "1s",
      warmup: "1s",
      graceful_stop: "1000ms",
      slo: ["p95<100ms", "error_rate<1%"],
      continue_after_failure: false,
    });
    const steps = experiment.steps!;
    expect(steps.map((s) => [s.load, s.measurements?.slo_passed])).toEqual([
      [40, true],
      [90, true],
      [160, false],
    ]);
    const table = page.getByTestId("experiment-steps");
    for (const step of steps) {
      const cells = await table.locator(`tr[data-step="${step.step}"] td`).allTextContents();
      expect(cells.slice(2, 8)).toEqual([
        rate(step.load),
        rate(step.measurements!.throughput),
        `${(step.measurements!.error_rate! * 100).toFixed(1)} %`,
        ms(step.measurements!.latency_ms.p50),
        ms(step.measurements!.latency_ms.p95),
        ms(step.measurements!.latency_ms.p99),
      ]);
    }
    const capacity = experiment.result!.capacity_per_replica!;
    expect(capacity).toBeGreaterThan(target.capacity() * 0.85);
    expect(await row.locator("td").nth(4).textContent()).toBe(`${rate(capacity)} per replica`);
    // A finished experiment offers no cancel.
    expect(await page.getByRole("button", { name: "Cancel experiment" }).count()).toBe(0);
    await screenshot(page, "rightsizing-experiment-started");
  }, 90_000);

  it("cancels a running experiment from the page", async () => {
    // The page shows the previous experiment: wait for the address of the new one.
    const before = new URL(page.url()).pathname;
    await openForm();
    await fill({
      "Target URL": target.url,
      "Rates (requests/s)": "10, 20",
      "Step duration": "30s",
      "Warm-up": "0s",
      Name: "long one",
    });
    await page.getByRole("button", { name: "Start experiment" }).click();
    await page.waitForURL(
      (url) => /\/rightsizing\/experiments\/\d+$/.test(url.pathname) && url.pathname !== before,
    );
    const id = Number(/\/experiments\/(\d+)/.exec(page.url())?.[1]);
    await page.locator('.rs-detail[data-status="running"]').waitFor({ timeout: 20_000 });
    expect(await page.getByRole("heading", { name: /long one/ }).count()).toBe(1);
    await page.getByRole("button", { name: "Cancel experiment" }).click();
    await page.locator('.rs-detail[data-status="cancelled"]').waitFor({ timeout: 10_000 });
    expect((await api<ExperimentView>(`/api/v1/experiments/${id}`)).body.status).toBe("cancelled");
    expect(await page.getByRole("button", { name: "Cancel experiment" }).count()).toBe(0);
    await page
      .locator(`tr[data-experiment-id="${id}"] .badge`, { hasText: "cancelled" })
      .waitFor({ timeout: 10_000 });
  }, 60_000);

  it("logged no error in the browser console", () => {
    expect(errors).toEqual([]);
  });
});
