import type { FastifyInstance } from "fastify";
import type { HttpMetrics } from "../telemetry/http-metrics.js";

const started = Symbol("started");

/** Counts and times every request by method, route template and status (RED metrics). */
export function instrumentHttp(app: FastifyInstance, metrics: HttpMetrics): void {
  app.addHook("onRequest", async (request) => {
    (request as unknown as Record<symbol, number>)[started] = performance.now();
    metrics.inFlight.inc();
  });
  app.addHook("onResponse", async (request, reply) => {
    metrics.inFlight.dec();
    const begin = (request as unknown as Record<symbol, number>)[started] ?? performance.now();
    const labels = {
      method: request.method,
      // The template, not the URL: unknown paths share one label value.
      route: request.routeOptions.url ?? "unmatched",
      status_code: String(reply.statusCode),
    };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, (performance.now() - begin) / 1000);
  });
}
