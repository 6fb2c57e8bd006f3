import type { Config } from "../../config/config.js";
import { startServer } from "../../server/start-server.js";
import { EXIT } from "../exit-codes.js";

/**
 * `aurea serve`: runs the API until SIGINT/SIGTERM, then shuts down in order (stop accepting,
 * let running benchmarks finish for the grace period, close). Resolves with the exit code.
 */
export async function serveCommand(
  config: Readonly<Config>,
  { graceMs = config.runs.shutdownGraceMs }: { graceMs?: number } = {},
): Promise<number> {
  const server = await startServer(config);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close(graceMs);
  return EXIT.OK;
}
