import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** RED metrics for Aurea's own HTTP API. `route` is the route template, never the raw URL. */
export class HttpMetrics {
  readonly requests: Counter<"method" | "route" | "status_code">;
  readonly duration: Histogram<"method" | "route" | "status_code">;
  readonly inFlight: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "aurea_http_requests_total",
      help: "HTTP requests served by the Aurea API.",
      labelNames: ["method", "route", "status_code"],
      registers,
    });
    this.duration = new Histogram({
      name: "aurea_http_request_duration_seconds",
      help: "Time to serve HTTP requests of the Aurea API, seconds.",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.inFlight = new Gauge({
      name: "aurea_http_requests_in_flight",
      help: "HTTP requests of the Aurea API being served now.",
      registers,
    });
  }
}
