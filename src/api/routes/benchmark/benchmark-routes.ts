import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Config } from "../../../config/config.js";
import { fieldErrors, parseWorkloadSpec, type RunResult, type WorkloadSpec } from "../../../engine/index.js";
import type { BenchmarkService } from "../../../services/benchmark-service.js";
import { ApiError, invalidInput } from "../../errors.js";
import { minimumRunMs, seedRequestSchema, seedRequestToSpec } from "./seed-request.js";
import { seedResponse } from "./seed-response.js";

export interface BenchmarkRoutesOptions {
  limits: Config["limits"];
  benchmarks: BenchmarkService;
  /** Stores the finished benchmark as a run (when the platform's store is there). */
  record?: ((spec: WorkloadSpec, result: RunResult) => Promise<void>) | undefined;
}

/** The seed's `POST /benchmark/run`: runs the workload now and answers with its figures. */
export const benchmarkRoutes: FastifyPluginAsyncZod<BenchmarkRoutesOptions> = async (
  app,
  { limits, benchmarks, record },
) => {
  // One object for the plugin's life: the engine caches its schema per limits object.
  const specLimits = {
    maxJobs: limits.maxJobsPerRun,
    maxConcurrency: limits.maxConcurrency,
    maxJobDurationMs: 600_000,
    maxRunDurationMs: limits.maxRunSeconds * 1000,
    maxRecords: limits.maxJobRecords,
    maxRate: 10_000_000,
  };
  app.post(
    "/benchmark/run",
    {
      schema: {
        summary: "Run a synthetic benchmark and wait for its result",
        tags: ["benchmark"],
        body: seedRequestSchema(limits),
      },
    },
    async (request, reply) => {
      const body = request.body;
      const parsed = parseWorkloadSpec(seedRequestToSpec(body, limits), specLimits);
      if (!parsed.success) throw invalidInput(fieldErrors(parsed.error.issues));
      const spec = parsed.data;
      const concurrency = spec.load.model === "closed" ? (spec.load.concurrency ?? null) : null;
      const minimum = minimumRunMs(body, concurrency ?? 1);
      if (minimum > limits.maxRunSeconds * 1000) {
        throw new ApiError(
          400,
          "run_too_long",
          `this benchmark would take at least ${(minimum / 1000).toFixed(0)} s; the limit is ${limits.maxRunSeconds} s`,
          [
            {
              field: "num_jobs",
              rule: "max_run_seconds",
              message: `num_jobs × job_duration_ms ÷ concurrency must fit in ${limits.maxRunSeconds} s (AUREA_MAX_RUN_SECONDS)`,
            },
          ],
        );
      }
      // A client that hangs up cancels its benchmark.
      const controller = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableFinished) controller.abort();
      };
      reply.raw.on("close", onClose);
      try {
        const { id, result } = await benchmarks.run(spec, { signal: controller.signal });
        if (record) {
          // The caller gets its result either way; a store that is down only loses the copy.
          await record(spec, result).catch((error: unknown) =>
            request.log.error({ err: error, benchmark_id: id }, "could not record the benchmark as a run"),
          );
        }
        return seedResponse(
          id,
          body.num_jobs,
          concurrency,
          spec.load.model === "open" ? "open" : "closed",
          result,
        );
      } finally {
        reply.raw.off("close", onClose);
      }
    },
  );
};
