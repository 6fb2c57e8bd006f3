import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); playwright-core never downloads a browser. */
const CHROMIUM = "/usr/bin/chromium";

/** The flags DEVELOPERS.md documents: headless, no sandbox (containers run as root), nothing phoning home. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Why the browser tests cannot run here, or `undefined` when they can. With
 * AUREA_REQUIRE_TOOLS=1 (CI) a missing Chromium is a failure, not a skip.
 */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is not installed (apt-get install chromium)`;
  if (process.env.AUREA_REQUIRE_TOOLS === "1") throw new Error(`AUREA_REQUIRE_TOOLS=1 but ${why}`);
  return why;
}

export interface Browser {
  /** A page of a fresh context: `width`×`height`, light or dark colour scheme. */
  page(options?: { width?: number; height?: number; colorScheme?: "light" | "dark" }): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a user-data-dir of its own, removed on close. */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = await mkdtemp(join(tmpdir(), "aurea-chromium-"));
  // A persistent context is playwright's one way to give Chromium its own user-data-dir; each
  // page sets its own viewport and colour scheme.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  return {
    page: async ({ width = 1366, height = 900, colorScheme = "light" } = {}) => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      return page;
    },
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** What a 4xx the app expects (a refused form, a 401 before signing in) logs in the console. */
const EXPECTED_4XX = "Failed to load resource: the server responded with a status of 4";

/**
 * Pushes into `errors` every uncaught page error and console error of `page`, except failed
 * loads starting with `expected` (by default the 4xx answers a refused form gets).
 */
export function collectPageErrors(page: Page, errors: string[], expected = EXPECTED_4XX): void {
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith(expected)) errors.push(message.text());
  });
}
