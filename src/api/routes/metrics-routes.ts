import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";

/** Prometheus text exposition at the seed's two paths. */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, { registry }) => {
  const expose = async (_request: unknown, reply: { type: (t: string) => unknown }) => {
    reply.type(registry.contentType);
    return registry.metrics();
  };
  app.get("/metrics", { schema: { hide: true } }, expose);
  app.get("/api/metrics", { schema: { hide: true } }, expose);
};
