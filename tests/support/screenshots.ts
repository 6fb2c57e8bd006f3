import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";

/** Where the browser tests leave a screenshot of every page (gitignored). */
export const SCREENSHOT_DIR = fileURLToPath(new URL("../../.test-out/screenshots", import.meta.url));

/** Saves a full-page screenshot as `<name>.png`; answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
