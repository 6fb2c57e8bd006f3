import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { notFoundHandler } from "../errors.js";
import type { WebBuild } from "../web-build.js";

/** Vite names every asset by its content hash: a given URL never changes. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Paths the server answers itself: never the app's pages, even for a browser. */
const SERVER_PATHS = /^\/(api|docs|metrics|health|ready|benchmark)(\/|$|\?)/;

function sendIndex(build: WebBuild, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // index.html names the current assets: always revalidated, answered 304 while unchanged.
  reply
    .header("cache-control", "no-cache")
    .header("etag", build.etag)
    .header("content-security-policy", build.csp);
  if (request.headers["if-none-match"] === build.etag) return reply.status(304).send();
  return reply.type("text/html; charset=utf-8").send(build.index);
}

/**
 * Not found, for a server with the dashboard: a browser navigating to one of the app's own
 * paths (`/runs/12`: a GET accepting HTML outside the server's paths) gets index.html and the
 * app routes it; anything else gets the JSON 404 as before.
 */
export function spaNotFoundHandler(build: WebBuild) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const page =
      (request.method === "GET" || request.method === "HEAD") &&
      !SERVER_PATHS.test(request.url) &&
      (request.headers.accept ?? "").includes("text/html");
    return page ? sendIndex(build, request, reply) : notFoundHandler(request, reply);
  };
}

/** The dashboard: `/` and the hashed files under `/assets/` (cached for a year). */
export const webRoutes: FastifyPluginAsync<{ build: WebBuild }> = async (app, { build }) => {
  app.get("/", { schema: { hide: true } }, (request, reply) => sendIndex(build, request, reply));
  await app.register(fastifyStatic, {
    root: join(build.root, "assets"),
    prefix: "/assets/",
    // One route per file of the build (fixed while the server runs), no catch-all.
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders: (res) => res.setHeader("cache-control", IMMUTABLE),
  });
};
