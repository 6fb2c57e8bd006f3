import Fastify from "fastify";
import { metricsRoutes } from "../../api/routes/metrics-routes.js";
import type { Config } from "../../config/config.js";
import { openPlatform } from "../../server/platform.js";
import { VERSION } from "../../server/version.js";
import { createLogger } from "../../telemetry/logger.js";
import { createTelemetry } from "../../telemetry/registry.js";
import { EXIT } from "../exit-codes.js";
import { stopSignal } from "./serve.js";

/**
 * `aurea worker`: executes runs from the Redis queue until SIGINT/SIGTERM, then stops taking
 * runs, lets running ones finish for the grace period, and records the rest as interrupted
 * (or queues them again, for scenarios that say `rerun`). With `metricsPort` it serves its own
 * `/metrics` (jobs it ran, their wait and duration) and `/health` for Prometheus to scrape.
 */
export async function workerCommand(
  config: Readonly<Config>,
  { graceMs = config.runs.shutdownGraceMs, metricsPort }: { graceMs?: number; metricsPort?: number } = {},
): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  const telemetry = createTelemetry({ version: VERSION });
  const platform = await openPlatform({ config, telemetry, logger, worker: true, foldRollups: false });
  const metrics = metricsPort === undefined ? undefined : Fastify({ logger: false });
  try {
    if (metrics) {
      await metrics.register(metricsRoutes, { registry: telemetry.registry });
      metrics.get("/health", async () => ({ status: "ok" }));
      await metrics.listen({ port: metricsPort!, host: config.host });
    }
  } catch (error) {
    await platform.close(0);
    throw error;
  }
  const address = metrics?.server.address();
  const port = typeof address === "object" && address ? address.port : undefined;
  logger.info(
    { version: VERSION, concurrency: config.runs.concurrency, ...(port ? { metrics_port: port } : {}) },
    "aurea worker started",
  );
  await stopSignal();
  logger.info("aurea worker stopping");
  await metrics?.close();
  await platform.close(graceMs);
  logger.info("aurea worker stopped");
  return EXIT.OK;
}
