import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach } from "vitest";
import { buildApp } from "../../src/api/app.js";
import type { ReadinessCheck } from "../../src/api/routes/health-routes.js";
import type { WebBuild } from "../../src/api/web-build.js";
import { loadConfig } from "../../src/config/config.js";
import { BenchmarkService } from "../../src/services/benchmark-service.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { createTelemetry, type Telemetry } from "../../src/telemetry/registry.js";

export const TEST_VERSION = "0.0.0-test";

export interface TestAppOptions {
  /** Environment the configuration is read from (`AUREA_MAX_JOB_RECORDS`, …); defaults otherwise. */
  env?: Record<string, string>;
  readiness?: Record<string, ReadinessCheck>;
  isShuttingDown?: () => boolean;
  /** A built dashboard to serve at `/`. */
  web?: WebBuild;
}

export interface TestApp {
  app: FastifyInstance;
  benchmarks: BenchmarkService;
  telemetry: Telemetry;
  /** `POST /benchmark/run` with a JSON body. */
  run(body: unknown): Promise<LightMyRequestResponse>;
  /** The Prometheus text of `GET /metrics`. */
  metrics(): Promise<string>;
}

/**
 * Aurea's HTTP application wired as `startServer` wires it — a fresh registry, a real
 * benchmark service, a silent logger — but not listening: requests go through `inject()`.
 */
async function buildTestApp({
  env = {},
  readiness,
  isShuttingDown,
  web,
}: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: "silent", ...env });
  const telemetry = createTelemetry({ version: TEST_VERSION });
  const benchmarks = new BenchmarkService({ metrics: telemetry.benchmark });
  const app = await buildApp({
    config,
    telemetry,
    logger: createLogger({ level: "silent" }),
    benchmarks,
    version: TEST_VERSION,
    ...(readiness ? { readiness } : {}),
    ...(isShuttingDown ? { isShuttingDown } : {}),
    web,
  });
  return {
    app,
    benchmarks,
    telemetry,
    run: (body) => app.inject({ method: "POST", url: "/benchmark/run", payload: body as object }),
    metrics: async () => (await app.inject({ method: "GET", url: "/metrics" })).body,
  };
}

/** Value of one sample in Prometheus text, e.g. `sample(text, 'benchmark_job_duration_seconds_bucket{le="0.25"}')`. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    if (cut > 0 && line.slice(0, cut) === series) return Number(line.slice(cut + 1));
  }
  return undefined;
}

/** `# TYPE` of each metric family in Prometheus text. */
export function metricTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1]!, match[2]!);
  return types;
}

/**
 * Builds apps for the tests of one file and closes each after its test, so every test has its
 * own registry and no server outlives it.
 */
export function testApps(): (options?: TestAppOptions) => Promise<TestApp> {
  let open: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(open.map((t) => t.app.close()));
    open = [];
  });
  return async (options) => {
    const t = await buildTestApp(options);
    open.push(t);
    return t;
  };
}
