import type { FastifyPluginAsync } from "fastify";

export interface CheckResult {
  status: "up" | "down";
  [detail: string]: unknown;
}

/** A component's readiness: answers quickly, never throws (a throw counts as down). */
export type ReadinessCheck = () => Promise<CheckResult> | CheckResult;

export interface HealthRoutesOptions {
  version: string;
  checks: Record<string, ReadinessCheck>;
  /** True once shutdown began: not ready, so load balancers stop sending work. */
  isShuttingDown: () => boolean;
}

/** `/health`: the process is alive. `/ready`: every component can do its work (503 if not). */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (
  app,
  { version, checks, isShuttingDown },
) => {
  const started = Date.now();
  app.get("/health", { schema: { hide: true } }, async () => ({
    status: "ok",
    version,
    uptime_s: (Date.now() - started) / 1000,
  }));
  app.get("/ready", { schema: { hide: true } }, async (_request, reply) => {
    const results: Record<string, CheckResult> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          results[name] = await check();
        } catch (error) {
          results[name] = { status: "down", error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    if (isShuttingDown()) results.shutdown = { status: "down", reason: "shutting down" };
    const ready = Object.values(results).every((r) => r.status === "up");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks: results });
  });
};
