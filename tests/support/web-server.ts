import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/config.js";
import { type RunningServer, startServer } from "../../src/server/start-server.js";
import { createLogger } from "../../src/telemetry/logger.js";

/** The dashboard as `npm run build` leaves it (`npm test` builds first). */
const WEB_ROOT = fileURLToPath(new URL("../../dist/web", import.meta.url));

export interface WebServer extends RunningServer {
  /** POSTs JSON to the API, throwing unless it answers 2xx. */
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The real server — PGlite in a fresh data directory, the in-process queue, the built UI —
 * listening on a free port of 127.0.0.1.
 */
export async function startWebServer(env: Record<string, string> = {}): Promise<WebServer> {
  if (!existsSync(join(WEB_ROOT, "index.html")))
    throw new Error(`no built UI at ${WEB_ROOT}: run npm run build first`);
  const dataDir = await mkdtemp(join(tmpdir(), "aurea-web-test-"));
  const config = loadConfig({ PORT: "0", LOG_LEVEL: "silent", AUREA_DATA_DIR: dataDir, ...env });
  const server = await startServer(config, { logger: createLogger({ level: "silent" }), webRoot: WEB_ROOT });
  return {
    ...server,
    post: async <T>(path: string, body: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    stop: async () => {
      await server.close(0);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
