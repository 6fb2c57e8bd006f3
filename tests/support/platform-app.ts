import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll } from "vitest";
import { buildApp } from "../../src/api/app.js";
import { loadConfig } from "../../src/config/config.js";
import { openPlatform, type Platform } from "../../src/server/platform.js";
import { BenchmarkService } from "../../src/services/benchmark-service.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry, type Telemetry } from "../../src/telemetry/registry.js";
import { openTestStore, type TestStore } from "./stores.js";

export interface PlatformApp {
  app: FastifyInstance;
  platform: Platform;
  telemetry: Telemetry;
  request(method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** Polls run `id` until it is finished (or `timeoutMs`), returning its JSON. */
  waitForRun(id: number, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface PlatformAppOptions {
  env?: Record<string, string>;
  /** Receives every log line (at trace level) instead of a silent logger. */
  logLines?: string[];
}

/**
 * The whole platform (store, queue, executor, API) on a fresh store per test file, emptied
 * before each test; requests go through `inject()`. Each app is closed after its test.
 */
export function platformApps(
  driver: "pglite" | "postgres" = "pglite",
): (options?: PlatformAppOptions) => Promise<PlatformApp> {
  let testStore: TestStore;
  let dataDir: string;
  let open: PlatformApp[] = [];
  beforeAll(async () => {
    testStore = await openTestStore(driver);
    dataDir = await mkdtemp(join(tmpdir(), "aurea-test-"));
  }, 120_000);
  afterEach(async () => {
    for (const t of open) {
      await t.app.close();
      await t.platform.close(0);
    }
    open = [];
  });
  afterAll(async () => {
    await testStore?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return async ({ env = {}, logLines } = {}) => {
    await testStore.reset();
    const config = loadConfig({ LOG_LEVEL: "silent", AUREA_DATA_DIR: dataDir, ...env });
    const telemetry = createTelemetry({ version: "0.0.0-test" });
    const logger = logLines
      ? createLogger({ level: "trace", destination: { write: (line) => void logLines.push(line) } })
      : createLogger({ level: "silent" });
    const platform = await openPlatform({ config, telemetry, logger, store: testStore.store });
    const app = await buildApp({
      config,
      telemetry,
      logger,
      benchmarks: new BenchmarkService({ metrics: telemetry.benchmark }),
      platform,
      version: "0.0.0-test",
    });
    const request = (method: string, url: string, body?: unknown) =>
      app.inject({
        method: method as "GET",
        url,
        ...(body === undefined ? {} : { payload: body as object }),
      });
    const t: PlatformApp = {
      app,
      platform,
      telemetry,
      request,
      waitForRun: async (id, timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const run = (await request("GET", `/api/v1/runs/${id}`)).json() as Record<string, unknown>;
          if (["completed", "failed", "cancelled"].includes(run.status as string)) return run;
          if (Date.now() > deadline)
            throw new Error(`run ${id} still ${String(run.status)} after ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      },
    };
    open.push(t);
    return t;
  };
}
