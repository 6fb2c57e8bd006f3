import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../config/config.js";
import { ApiError } from "./errors.js";

/** Paths probes and scrapers call: never rate limited. */
const PROBES = new Set(["/health", "/ready", "/metrics", "/api/metrics"]);

const isLoopback = (ip: string) => ip === "127.0.0.1" || ip === "::1" || ip === "::ffff:127.0.0.1";

/** Who a request is counted as: its key, else its client address. */
function rateLimitKey(request: FastifyRequest): string {
  const prefix = request.principal?.prefix;
  return prefix ? `key:${prefix}` : `ip:${request.ip}`;
}

/**
 * Security headers (helmet; the dashboard's page sets its own Content-Security-Policy), CORS
 * closed unless origins are configured, and rate limits per key and per client address: 429 with
 * `Retry-After` and `x-ratelimit-*` headers. Requests without a key from the machine itself
 * (a server without keys on 127.0.0.1: one user) are not limited, nor are probes. Registered
 * after authentication, so that a key's requests count against the key.
 */
export async function registerProtections(app: FastifyInstance, security: Config["security"]): Promise<void> {
  await app.register(helmet, {
    // JSON answers need no CSP; the HTML page has its own. Plain HTTP on 127.0.0.1 must not be
    // upgraded, and HSTS means nothing without TLS (a TLS proxy in front sets it).
    contentSecurityPolicy: false,
    strictTransportSecurity: false,
  });
  await app.register(cors, {
    origin: security.corsOrigins.includes("*") ? true : [...security.corsOrigins],
    credentials: false,
    allowedHeaders: ["authorization", "content-type", "x-api-key", "x-request-id"],
    exposedHeaders: [
      "x-request-id",
      "retry-after",
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-reset",
    ],
  });
  if (security.rateLimitPerMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: security.rateLimitPerMinute,
    timeWindow: 60_000,
    hook: "onRequest",
    keyGenerator: rateLimitKey,
    allowList: (request) =>
      PROBES.has(request.url.split("?", 1)[0]!) || (!request.principal?.prefix && isLoopback(request.ip)),
    // Thrown, so it is answered like every other error (the plugin has set the headers).
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        "rate_limited",
        `more than ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
