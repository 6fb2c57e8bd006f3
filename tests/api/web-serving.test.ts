import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWebBuild, type WebBuild } from "../../src/api/web-build.js";
import { testApps } from "../support/api-app.js";

const app = testApps();
const HTML = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
let root: string;
let web: WebBuild;

beforeAll(async () => {
  // A build as vite leaves it: index.html and content-hashed assets.
  root = await mkdtemp(join(tmpdir(), "aurea-web-build-"));
  await mkdir(join(root, "assets"));
  await writeFile(join(root, "index.html"), '<!doctype html><script src="/assets/index-AbC123.js"></script>');
  await writeFile(join(root, "assets", "index-AbC123.js"), "console.log('aurea')");
  web = (await loadWebBuild(root))!;
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("serving the dashboard", () => {
  it("answers / with index.html, revalidated on every load (no-cache, 304 while unchanged)", async () => {
    const t = await app({ web });
    const page = await t.app.inject({ method: "GET", url: "/", headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.body).toContain("/assets/index-AbC123.js");
    const again = await t.app.inject({
      method: "GET",
      url: "/",
      headers: { ...HTML, "if-none-match": String(page.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
  });

  it("serves hashed assets as immutable for a year", async () => {
    const t = await app({ web });
    const asset = await t.app.inject({ method: "GET", url: "/assets/index-AbC123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toMatch(/javascript/);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect((await t.app.inject({ method: "GET", url: "/assets/missing-1.js" })).statusCode).toBe(404);
  });

  it("answers the app's own paths with index.html for a browser, so a reload of /runs/12 works", async () => {
    const t = await app({ web });
    const page = await t.app.inject({ method: "GET", url: "/runs/12?compare=3", headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<!doctype html>");
    expect(page.headers["cache-control"]).toBe("no-cache");
  });

  it.each([
    ["GET", "/api/v1/nope", HTML],
    ["GET", "/runs/12", { accept: "application/json" }],
    ["POST", "/runs/12", HTML],
    ["GET", "/metrics/nope", HTML],
  ])("keeps the JSON 404 for %s %s (accept %j)", async (method, url, headers) => {
    const t = await app({ web });
    const response = await t.app.inject({ method: method as "GET", url, headers });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ statusCode: 404, error: "not_found" });
  });

  it("answers the API only when the UI was not built", async () => {
    expect(await loadWebBuild(join(root, "missing"))).toBeUndefined();
    const t = await app();
    const response = await t.app.inject({ method: "GET", url: "/", headers: HTML });
    expect(response.statusCode).toBe(404);
    expect((await t.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  });
});
