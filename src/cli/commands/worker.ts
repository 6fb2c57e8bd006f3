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
 * (or queues them again, for scenarios that say `rerun`).
 */
export async function workerCommand(
  config: Readonly<Config>,
  { graceMs = config.runs.shutdownGraceMs }: { graceMs?: number } = {},
): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  const telemetry = createTelemetry({ version: VERSION });
  const platform = await openPlatform({ config, telemetry, logger, worker: true });
  logger.info({ version: VERSION, concurrency: config.runs.concurrency }, "aurea worker started");
  await stopSignal();
  logger.info("aurea worker stopping");
  await platform.close(graceMs);
  logger.info("aurea worker stopped");
  return EXIT.OK;
}
