import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Scope } from "../contracts/key-scopes.js";
import { allows } from "../services/keys/api-key.js";
import { ANONYMOUS, type KeyService, type Principal } from "../services/keys/key-service.js";
import { ApiError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * Who the request acts as: set by the authentication hook for every request (anonymous
     * without keys); absent on a server without the platform (seed routes only).
     */
    principal: Principal | null;
  }
}

export interface AuthOptions {
  keys: KeyService;
  /** `/metrics` without a key (for a Prometheus that scrapes without credentials). */
  metricsPublic: boolean;
}

const PUBLIC = "public";

/**
 * What a request needs. Liveness and readiness are public (orchestrators probe them), and so is
 * the web UI's shell (it signs in with a key); `/metrics` follows `metricsPublic`. Keys and
 * secrets need `admin`; other reads `read`, other writes `write`.
 */
export function neededScope(method: string, path: string, metricsPublic: boolean): Scope | typeof PUBLIC {
  if (method === "OPTIONS" || path === "/health" || path === "/ready") return PUBLIC;
  if (path === "/metrics" || path === "/api/metrics") return metricsPublic ? PUBLIC : "read";
  const api = path.startsWith("/api/") || path === "/benchmark/run" || path.startsWith("/docs");
  if (!api) return PUBLIC;
  if (path.startsWith("/api/v1/keys") || path.startsWith("/api/v1/secrets")) return "admin";
  return method === "GET" || method === "HEAD" ? "read" : "write";
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? authorization;
  }
  const header = request.headers["x-api-key"];
  return typeof header === "string" ? header : undefined;
}

/**
 * Authenticates every request before it is parsed. Without any usable key the server is open
 * (it refuses to start on a non-loopback address in that state, unless told `--insecure`).
 */
export function registerAuth(app: FastifyInstance, { keys, metricsPublic }: AuthOptions): void {
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (request, reply) => {
    request.principal = ANONYMOUS;
    const path = request.url.split("?", 1)[0]!;
    const needed = neededScope(request.method, path, metricsPublic);
    if (needed === PUBLIC || !(await keys.required())) return;
    const presented = presentedKey(request);
    if (presented === undefined) {
      reply.header("www-authenticate", 'Bearer realm="aurea"');
      throw new ApiError(
        401,
        "unauthorized",
        "an API key is required (Authorization: Bearer aurea_…, or X-API-Key)",
        [{ field: "authorization", rule: "required", message: "send an API key" }],
      );
    }
    const result = await keys.authenticate(presented);
    if ("problem" in result) {
      reply.header("www-authenticate", 'Bearer realm="aurea", error="invalid_token"');
      throw new ApiError(401, "invalid_api_key", `the API key is ${result.problem}`, [
        { field: "authorization", rule: result.problem, message: `the API key is ${result.problem}` },
      ]);
    }
    if (!allows(result.principal.scope, needed))
      throw new ApiError(
        403,
        "insufficient_scope",
        `this needs a key with scope ${needed}; key ${result.principal.prefix} has ${result.principal.scope}`,
        [{ field: "authorization", rule: "scope", message: `needs scope ${needed}` }],
      );
    request.principal = result.principal;
  });
}
