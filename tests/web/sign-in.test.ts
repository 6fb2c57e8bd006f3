import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, browserUnavailable, collectPageErrors, launchBrowser } from "../support/browser.js";
import { screenshot } from "../support/screenshots.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const unavailable = browserUnavailable();

/** A server that requires keys: the dashboard signs in with one and says what its scope allows. */
describe.skipIf(unavailable !== undefined)("signing in to the dashboard with an API key", () => {
  let server: WebServer;
  let browser: Browser;
  let readKey: string;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startWebServer();
    const admin = await server.post<{ key: string }>("/api/v1/keys", { name: "admin", scope: "admin" });
    const created = await fetch(`${server.url}/api/v1/keys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin.key}` },
      body: JSON.stringify({ name: "viewer", scope: "read" }),
    });
    readKey = ((await created.json()) as { key: string }).key;
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("asks for a key, refuses a wrong one, then shows the pages and what a read key allows", async () => {
    const page = await browser.page();
    // The 401s before signing in are expected answers, which the browser logs as failed loads.
    collectPageErrors(page, errors, "Failed to load resource");
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("API key").fill(`aurea_AAAAAAAA_${"x".repeat(43)}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("the API key is unknown").waitFor();
    await screenshot(page, "sign-in-refused");

    await page.getByLabel("API key").fill(readKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    const bar = page.getByRole("status").filter({ hasText: "Signed in as" });
    await bar.waitFor();
    expect(await bar.textContent()).toContain("read-only");
    // The dashboard's data loads with the key (not the keyless request index.html started):
    // no run exists yet, so it says so rather than failing.
    await page.getByText("No runs in this window").waitFor();
    expect(await page.getByText("Could not load").count()).toBe(0);
    await screenshot(page, "signed-in-read");
    // The key stays for the tab's session: a reload stays signed in, and pages load with it.
    await page.reload();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByRole("link", { name: "Runs" }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(errors).toEqual([]);
  });
});
