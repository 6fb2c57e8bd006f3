import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built dashboard (`vite build` → dist/web): its directory and its index.html, read once. */
export interface WebBuild {
  root: string;
  index: Buffer;
  /** Strong validator of index.html, so a reload revalidates with a 304. */
  etag: string;
  /** The page's Content-Security-Policy: its own origin, plus its inline scripts by hash. */
  csp: string;
}

/** dist/web, next to the compiled server (dist/api/web-build.js → dist/web). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../web", import.meta.url));

/** The build in `root`, or `undefined` when the UI was not built there. */
export async function loadWebBuild(root = DEFAULT_WEB_ROOT): Promise<WebBuild | undefined> {
  let index: Buffer;
  try {
    index = await readFile(join(root, "index.html"));
  } catch {
    return undefined;
  }
  return {
    root,
    index,
    etag: `"${createHash("sha256").update(index).digest("base64url").slice(0, 27)}"`,
    csp: contentSecurityPolicy(index.toString("utf8")),
  };
}

/**
 * Everything from the server's own origin only; inline scripts (index.html's early KPI request)
 * allowed by their SHA-256, none other; inline styles allowed (the charts set element styles).
 */
function contentSecurityPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(" ")}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
