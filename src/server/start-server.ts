import type { FastifyInstance } from "fastify";
import { buildApp } from "../api/app.js";
import { eventLoopCheck } from "../api/event-loop-check.js";
import type { ReadinessCheck } from "../api/routes/health-routes.js";
import { DEFAULT_WEB_ROOT, loadWebBuild } from "../api/web-build.js";
import type { Config } from "../config/config.js";
import { BenchmarkService } from "../services/benchmark-service.js";
import { createLogger, type Logger } from "../telemetry/logger.js";
import { createTelemetry } from "../telemetry/registry.js";
import { openPlatform } from "./platform.js";
import { VERSION } from "./version.js";

/** Ready when `ping` answers within a second; `about` is reported either way. */
function pingCheck(ping: () => Promise<void>, about: Record<string, string>): ReadinessCheck {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timeout")), 1000);
    });
    try {
      await Promise.race([ping(), timeout]);
      return { status: "up", ...about };
    } catch (error) {
      return { status: "down", ...about, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Listening beyond the machine without any API key (and without `--insecure`). */
export class InsecureBindError extends Error {
  override readonly name = "InsecureBindError";
}

/** Loopback addresses: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port` it listens on. */
  url: string;
  /** Stops accepting, lets running benchmarks finish for `graceMs`, cancels the rest, closes. */
  close(graceMs?: number): Promise<void>;
}

/** Wires the embedded defaults together (PGlite, in-process queue unless configured otherwise) and listens. */
export async function startServer(
  config: Readonly<Config>,
  {
    logger = createLogger({ level: config.logLevel }),
    worker = true,
    webRoot = DEFAULT_WEB_ROOT,
  }: { logger?: Logger; worker?: boolean; webRoot?: string } = {},
): Promise<RunningServer> {
  const telemetry = createTelemetry({ version: VERSION });
  const benchmarks = new BenchmarkService({ metrics: telemetry.benchmark });
  const platform = await openPlatform({ config, telemetry, logger, worker });
  const web = await loadWebBuild(webRoot);
  if (!web)
    logger.warn({ web_root: webRoot }, "web UI not built: serving the API only (npm run build builds it)");
  const eventLoop = eventLoopCheck();
  let shuttingDown = false;
  let app: FastifyInstance;
  try {
    app = await buildApp({
      config,
      telemetry,
      logger,
      benchmarks,
      platform,
      version: VERSION,
      readiness: {
        event_loop: eventLoop.check,
        database: pingCheck(() => platform.store.ping(), { driver: platform.store.driver }),
        // Redis (the embedded queue is always up).
        queue: pingCheck(() => platform.queue.ping(), { kind: platform.queue.kind }),
      },
      isShuttingDown: () => shuttingDown,
      web,
    });
    // Secure by default: beyond this machine, only with keys (or when told, explicitly).
    if (!isLoopbackHost(config.host) && !config.security.insecure && !(await platform.keys.required()))
      throw new InsecureBindError(
        `refusing to listen on ${config.host} without an API key: anyone who can reach it could run ` +
          "load against any target. Create one (aurea keys create --name admin --scope admin), " +
          "or pass --insecure (AUREA_INSECURE=1) to accept the risk",
      );
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    eventLoop.stop();
    await platform.close(0);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, version: VERSION, web: web !== undefined }, "aurea listening");

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      const closed = app.close();
      const grace = setTimeout(() => {
        if (benchmarks.active > 0)
          logger.warn({ running: benchmarks.active }, "grace period over: cancelling benchmarks");
        benchmarks.cancelAll();
      }, graceMs);
      grace.unref();
      // Runs in the background get the same grace period, then are recorded as interrupted.
      await platform.close(graceMs);
      await closed;
      clearTimeout(grace);
      eventLoop.stop();
      logger.info("aurea stopped");
    })();
    return closing;
  };
  return { app, url, close };
}
