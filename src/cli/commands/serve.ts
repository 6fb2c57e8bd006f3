import type { Config } from "../../config/config.js";
import { startServer } from "../../server/start-server.js";
import { EXIT } from "../exit-codes.js";

/**
 * `aurea serve`: runs the API until SIGINT/SIGTERM, then shuts down in order (stop accepting,
 * let running benchmarks finish for the grace period, close). Resolves with the exit code.
 */
export async function serveCommand(
  config: Readonly<Config>,
  { graceMs = config.runs.shutdownGraceMs, worker = true }: { graceMs?: number; worker?: boolean } = {},
): Promise<number> {
  const server = await startServer(config, { worker });
  await stopSignal();
  await server.close(graceMs);
  return EXIT.OK;
}

/** Resolves at the first SIGINT or SIGTERM. */
export function stopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
