import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, browserUnavailable, collectPageErrors, launchBrowser } from "../support/browser.js";
import { SCREENSHOT_DIR, screenshot } from "../support/screenshots.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const unavailable = browserUnavailable();
if (unavailable) console.warn(`skipping the browser tests: ${unavailable}`);

/**
 * The dashboard in a real Chromium against the real server (fresh PGlite, in-process queue):
 * the tests of this file run in order and build on each other, as a person would use it.
 */
describe.skipIf(unavailable !== undefined)("the web dashboard in a browser", () => {
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const runIds: number[] = [];

  beforeAll(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    page = await browser.page();
    collectPageErrors(page, errors);
    console.log(`screenshots: ${SCREENSHOT_DIR}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const open = async (path: string) => {
    await page.goto(`${server.url}${path}`);
  };
  const runIdInUrl = () => Number(/\/runs\/(\d+)/.exec(page.url())?.[1]);
  const waitForStatus = (status: string, timeout = 30_000) =>
    page.getByTestId("run-status").getByText(status, { exact: true }).waitFor({ timeout });

  it("shows empty states before anything exists", async () => {
    await open("/");
    await page.getByText("No runs in this window").waitFor();
    await screenshot(page, "dashboard-empty");
    await open("/scenarios");
    await page.getByText("No scenarios yet").waitFor();
    await open("/runs");
    await page.getByText("No runs yet").waitFor();
  });

  it("shows the API's field error next to the field of a bad form, and keeps the form", async () => {
    await open("/automations");
    await page.getByRole("button", { name: "New automation" }).click();
    await page.getByLabel("Failure rate (0–1)").fill("2");
    await page.getByRole("button", { name: "Create automation" }).click();
    // Two refusals from one 400: the empty name and the failure rate out of range.
    const name = page.getByLabel("Name", { exact: true });
    await page.locator(".field-invalid").first().waitFor();
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    const nameError = await page.locator(`#${await name.getAttribute("aria-describedby")}`).textContent();
    expect(nameError).toBe("must not be empty");
    const rate = page.getByLabel("Failure rate (0–1)");
    expect(await rate.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("alert").first().textContent()).toContain("Not saved");
    await screenshot(page, "automations-validation-error");
  });

  it("creates an automation and a scenario through the forms", async () => {
    await page.getByLabel("Name", { exact: true }).fill("sleep 20 ms");
    await page.getByLabel("Job duration (ms)").fill("20");
    await page.getByLabel("Failure rate (0–1)").fill("");
    await page.getByRole("button", { name: "Create automation" }).click();
    await page.getByRole("cell", { name: "sleep 20 ms", exact: true }).waitFor();
    expect(await page.locator(".field-invalid").count()).toBe(0);
    await screenshot(page, "automations");

    await open("/scenarios");
    await page.getByRole("button", { name: "New scenario" }).click();
    await page.getByLabel("Name", { exact: true }).fill("checkout");
    await page.getByLabel("Automation", { exact: true }).selectOption({ label: "sleep 20 ms (synthetic)" });
    await page.getByLabel("Jobs", { exact: true }).fill("0");
    await page.getByRole("button", { name: "Create scenario" }).click();
    // The engine's own rule for the load, shown under the Jobs field.
    await page.locator(".field-invalid").getByLabel("Jobs", { exact: true }).waitFor();
    await page.getByLabel("Jobs", { exact: true }).fill("250");
    await page.getByLabel("Concurrency").fill("2");
    await page.getByLabel("Thresholds").fill("p95<500ms\nerror_rate<1%");
    await page.getByRole("button", { name: "Create scenario" }).click();
    await page.getByRole("cell", { name: "checkout", exact: true }).waitFor();
    await screenshot(page, "scenarios");
  });

  it("triggers a run from the scenario, follows it live and shows it completed without a reload", async () => {
    await page.getByRole("button", { name: "Trigger a run of checkout" }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    runIds.push(runIdInUrl());
    // 250 jobs of 20 ms, 2 at a time: about 2.5 s of progress events over SSE.
    await page.getByTestId("live-figures").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("live-figures").textContent()).toMatch(/of 250 jobs finished/);
    await screenshot(page, "run-detail-live");
    await waitForStatus("completed");
    expect(await page.getByTestId("live-figures").count()).toBe(0);
  });

  it("renders the run's charts, thresholds and figures", async () => {
    await page.locator('.chart[data-rendered="true"] canvas').first().waitFor();
    // Histogram, percentiles, throughput/errors and latency per second.
    await page.waitForFunction(
      `document.querySelectorAll('.chart[data-rendered="true"] canvas').length >= 4`,
    );
    for (const name of ["Latency histogram", "Latency by percentile", "Throughput and errors per second"])
      await page.getByRole("heading", { name }).waitFor();
    expect(await page.getByRole("row", { name: /p95<500ms/ }).textContent()).toContain("pass");
    await page.getByRole("heading", { name: "Environment" }).waitFor();
    await screenshot(page, "run-detail");
  });

  it("compares two runs and pins a baseline", async () => {
    const second = await server.post<{ id: number }>("/api/v1/runs/trigger", { scenario_id: 1 });
    runIds.push(second.id);
    await open(`/runs/${second.id}`);
    await waitForStatus("completed");
    await page.getByLabel("Compare with…").selectOption(String(runIds[0]));
    await page.getByTestId("comparison").waitFor();
    const table = await page.getByTestId("comparison").textContent();
    expect(table).toContain(`Against run #${runIds[0]}`);
    expect(table).toMatch(/p95/);
    await screenshot(page, "run-detail-compare");

    await open(`/runs/${runIds[0]}`);
    await page.getByRole("button", { name: "Pin as baseline" }).click();
    await page.getByRole("button", { name: "Baseline (unpin)" }).waitFor();
    await open(`/runs/${second.id}`);
    await page.getByLabel("Compare with…").selectOption("baseline");
    await page.getByTestId("comparison").getByText(`Against run #${runIds[0]}`).waitFor();
  });

  it("updates a run's status in the Runs table live, and sorts and filters it", async () => {
    await open("/runs");
    await page.locator("tr[data-run-id]").first().waitFor();
    const third = await server.post<{ id: number }>("/api/v1/runs/trigger", { scenario_id: 1 });
    runIds.push(third.id);
    const row = page.locator(`tr[data-run-id="${third.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.locator(`tr[data-run-id="${third.id}"][data-status="completed"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator("tr[data-run-id]").count()).toBe(3);

    await page.getByRole("button", { name: "p95" }).click();
    await page.waitForURL(/sort=p95_ms/);
    expect(await page.getByRole("columnheader", { name: "p95" }).getAttribute("aria-sort")).toBe(
      "descending",
    );
    await page.getByLabel("Status").selectOption("failed");
    await page.getByText("No run matches these filters").waitFor();
    await page.getByLabel("Status").selectOption("completed");
    await page.locator("tr[data-run-id]").nth(2).waitFor();
    await screenshot(page, "runs");
  });

  it("creates a schedule with a preview of its next fire times, and disables it", async () => {
    await open("/schedules");
    await page.getByText("No schedules yet").waitFor();
    await page.getByRole("button", { name: "New schedule" }).click();
    await page.getByLabel("Scenario").selectOption({ label: "checkout" });
    await page.getByLabel("Cron expression").fill("30 6 * * *");
    await page.getByLabel("Time zone").fill("UTC");
    await page.getByTestId("cron-preview").locator("li").nth(4).waitFor();
    await page.getByLabel("Cron expression").fill("not a cron");
    await page.locator(".cron-preview, .field-error").first().waitFor();
    await page.getByLabel("Cron expression").fill("30 6 * * *");
    await page.getByTestId("cron-preview").locator("li").nth(4).waitFor();
    await screenshot(page, "schedules-form");
    await page.getByRole("button", { name: "Create schedule" }).click();
    const toggle = page.getByRole("switch", { name: "Schedule 1 enabled" });
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click();
    await page.getByText("disabled", { exact: true }).waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await screenshot(page, "schedules");
  });

  it("shows the dashboard's KPIs and charts over the runs, from the one KPI request index.html started", async () => {
    const kpiRequests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes("/kpis/dashboard")) kpiRequests.push(request.url());
    };
    page.on("request", onRequest);
    await open("/");
    await page.getByTestId("dashboard-ready").waitFor();
    page.off("request", onRequest);
    expect(kpiRequests).toHaveLength(1);
    const total = page.locator(".kpi", { hasText: "Total runs" }).locator(".kpi-value");
    expect(await total.textContent()).toBe("3");
    expect(await page.locator(".kpi", { hasText: "Success rate" }).locator(".kpi-value").textContent()).toBe(
      "100.0 %",
    );
    await page.waitForFunction(
      `document.querySelectorAll('.chart[data-rendered="true"] canvas').length >= 2`,
    );
    // The pinned baseline is run 1; the latest run is compared with it.
    await page.getByRole("heading", { name: "Regressions" }).waitFor();
    await page.locator(".all-clear, .regressions").first().waitFor();
    const mark = await page.evaluate(() => performance.getEntriesByName("aurea:dashboard-rendered").length);
    expect(mark).toBe(1);
    await screenshot(page, "dashboard");
  });

  it("is usable with the keyboard: skip link, then the navigation", async () => {
    await open("/");
    await page.getByTestId("dashboard-ready").waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Dashboard");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/runs$/);
    // Focus is drawn: the focused element has an outline.
    await page.keyboard.press("Tab");
    const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    expect(outline).not.toBe("none");
  });

  it("takes screenshots of every page at laptop and phone widths, light and dark", async () => {
    const pages = {
      dashboard: "/",
      runs: "/runs",
      "run-detail": `/runs/${runIds[1]}?compare=${runIds[0]}`,
      scenarios: "/scenarios",
      automations: "/automations",
      schedules: "/schedules",
    };
    for (const [width, height, size] of [
      [1366, 900, "laptop"],
      [390, 844, "phone"],
    ] as const) {
      for (const scheme of ["light", "dark"] as const) {
        const shot = await browser.page({ width, height, colorScheme: scheme });
        for (const [name, path] of Object.entries(pages)) {
          await shot.goto(`${server.url}${path}`);
          await shot.locator("main h1").first().waitFor();
          await shot.waitForLoadState("networkidle").catch(() => undefined);
          await shot
            .locator(".state-loading")
            .first()
            .waitFor({ state: "detached", timeout: 10_000 })
            .catch(() => undefined);
          await screenshot(shot, `${name}-${size}-${scheme}`);
        }
        await shot.close();
      }
    }
  });

  it("logged no error in the browser console", () => {
    expect(errors).toEqual([]);
  });
});
