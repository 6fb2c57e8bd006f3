import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Config } from "../config/config.js";
import type { Platform } from "../server/platform.js";
import type { BenchmarkService } from "../services/benchmark-service.js";
import { type Logger, lazyChild } from "../telemetry/logger.js";
import type { Telemetry } from "../telemetry/registry.js";
import { registerAuth } from "./auth.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import { instrumentHttp } from "./http-instrumentation.js";
import { parseJsonBodies } from "./json-body.js";
import { registerOpenApi } from "./openapi.js";
import { registerProtections } from "./protections.js";
import { benchmarkRoutes } from "./routes/benchmark/benchmark-routes.js";
import { healthRoutes, type ReadinessCheck } from "./routes/health-routes.js";
import { metricsRoutes } from "./routes/metrics-routes.js";
import { automationsRoutes } from "./routes/v1/automations-routes.js";
import { collectionsRoutes } from "./routes/v1/collections-routes.js";
import { experimentsRoutes } from "./routes/v1/experiments-routes.js";
import { keysRoutes, sessionRoutes } from "./routes/v1/keys-routes.js";
import { recommendationsRoutes } from "./routes/v1/recommendations-routes.js";
import { runsRoutes } from "./routes/v1/runs-routes.js";
import { scenariosRoutes } from "./routes/v1/scenarios-routes.js";
import { schedulesRoutes } from "./routes/v1/schedules-routes.js";
import { secretsRoutes } from "./routes/v1/secrets-routes.js";
import { spaNotFoundHandler, webRoutes } from "./routes/web-routes.js";
import type { WebBuild } from "./web-build.js";

export interface AppDeps {
  config: Readonly<Config>;
  telemetry: Telemetry;
  logger: Logger;
  benchmarks: BenchmarkService;
  version: string;
  readiness?: Record<string, ReadinessCheck>;
  isShuttingDown?: () => boolean;
  /** The benchmark platform (`/api/v1`); without it only the seed routes are served. */
  platform?: Platform;
  /** The built dashboard, served at `/`; without it the server answers the API only. */
  web?: WebBuild | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the HTTP application without listening, so tests can `inject()` requests. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.limits.maxBodyBytes,
    // Path parameters up to the longest name a contract allows (secret names: 128).
    routerOptions: { maxParamLength: 256 },
    requestIdHeader: false,
    // Each request's logger (bound to its id) is made when the request first writes a line at
    // an enabled level: at `warn`, most requests never do (see lazyChild).
    childLoggerFactory: (logger, bindings, options) =>
      Object.keys(options).length === 0
        ? (lazyChild(logger as Logger, bindings) as FastifyBaseLogger)
        : logger.child(bindings, options),
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser("text/plain");
  parseJsonBodies(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(deps.web ? spaNotFoundHandler(deps.web) : notFoundHandler);
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  instrumentHttp(app, deps.telemetry.http);
  if (deps.platform)
    registerAuth(app, {
      keys: deps.platform.keys,
      metricsPublic: deps.config.security.metricsAuth === "none",
    });
  await registerProtections(app, deps.config.security);

  await app.register(healthRoutes, {
    version: deps.version,
    checks: deps.readiness ?? {},
    isShuttingDown: deps.isShuttingDown ?? (() => false),
  });
  await registerOpenApi(app, deps.version);
  await app.register(metricsRoutes, { registry: deps.telemetry.registry });
  const platform = deps.platform;
  await app.register(benchmarkRoutes, {
    limits: deps.config.limits,
    benchmarks: deps.benchmarks,
    record: platform?.recordBenchmark,
  });
  if (platform) {
    await app.register(automationsRoutes, {
      prefix: "/api/v1/automations",
      automations: platform.automations,
    });
    await app.register(scenariosRoutes, {
      prefix: "/api/v1/scenarios",
      scenarios: platform.scenarios,
      automations: platform.automations,
      runs: platform.runs,
      limits: platform.limits,
    });
    await app.register(runsRoutes, {
      prefix: "/api/v1/runs",
      keyDefaults: {
        maxConcurrentRuns: deps.config.security.maxConcurrentRunsPerKey,
        maxJobsPerRun: deps.config.security.maxJobsPerRunPerKey,
      },
      runs: platform.runs,
      kpis: platform.kpis,
      series: platform.kpiSeries,
      service: platform.service,
      events: platform.events,
    });
    await app.register(schedulesRoutes, { prefix: "/api/v1/schedules", schedules: platform.schedules });
    await app.register(secretsRoutes, { prefix: "/api/v1/secrets", secrets: platform.secrets });
    await app.register(keysRoutes, { prefix: "/api/v1/keys", keys: platform.keys });
    await app.register(sessionRoutes, { prefix: "/api/v1/session", keys: platform.keys });
    const { rightsizing } = platform;
    await app.register(recommendationsRoutes, {
      prefix: "/api/v1/recommendations",
      repo: rightsizing.repo,
      recommendations: rightsizing.recommendations,
      collections: rightsizing.collections,
      maxBodyBytes: deps.config.limits.maxBodyBytes,
    });
    await app.register(collectionsRoutes, {
      prefix: "/api/v1/collections",
      collections: rightsizing.collections,
    });
    await app.register(experimentsRoutes, {
      prefix: "/api/v1/experiments",
      experiments: platform.experiments,
      limits: platform.limits,
      maxJobsPerRun: deps.config.security.maxJobsPerRunPerKey,
    });
  }
  if (deps.web) await app.register(webRoutes, { build: deps.web });
  return app;
}
