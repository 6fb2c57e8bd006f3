import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody, idParams, timestamp } from "../../../contracts/common.js";
import type { SpecLimits } from "../../../engine/index.js";
import { ANONYMOUS } from "../../../services/keys/key-service.js";
import type { ExperimentService, ExperimentView } from "../../../services/rightsizing/experiment-service.js";
import { experimentSpecSchema } from "../../../services/rightsizing/experiment-spec.js";
import type { ExperimentRow } from "../../../store/experiments-repo.js";
import { ApiError } from "../../errors.js";
import { notFound } from "./automations-routes.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

const tags = ["experiments"];
const STATUSES = ["pending", "running", "complete", "failed", "interrupted", "cancelled"] as const;

const stepView = z.object({
  step: z.number(),
  replicas: z.number(),
  load: z.number().describe("offered arrival rate, jobs/s"),
  status: z.enum(["running", "complete", "failed"]),
  run_id: z.number().nullable().describe("the step's engine run (GET /api/v1/runs/:id)"),
  started_at: timestamp,
  finished_at: timestamp.nullable(),
  measurements: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "throughput, error_rate, latency_ms {p50,p90,p95,p99,p999,mean,max}, cpu_cores {avg,max}, memory_bytes {avg,max}, slo, slo_passed, window, problems",
    ),
});

const experimentView = z.object({
  id: z.number(),
  name: z.string(),
  status: z.enum(STATUSES),
  spec: z.record(z.string(), z.unknown()).describe("the spec with its defaults written out"),
  result: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "capacity_per_replica, status (interpolated, lower_bound, never_held), by_replicas, cpu_per_load, memory_per_load",
    ),
  error: z.string().nullable(),
  created_at: timestamp,
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
  steps: z.array(stepView).optional(),
});

const listQuery = z.strictObject({
  status: z
    .string()
    .transform((text) => text.split(","))
    .pipe(z.array(z.enum(STATUSES, { error: `must be a comma-separated list of ${STATUSES.join(", ")}` })))
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

function present(row: ExperimentRow, steps?: ExperimentView["steps"]): z.infer<typeof experimentView> {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    spec: row.spec,
    result: row.result ?? null,
    error: row.error,
    created_at: row.createdAt.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    ...(steps
      ? {
          steps: steps.map((s) => ({
            step: s.step,
            replicas: s.replicas,
            load: s.load,
            status: s.status,
            run_id: s.runId,
            started_at: s.startedAt.toISOString(),
            finished_at: iso(s.finishedAt),
            measurements: s.measurements as unknown as Record<string, unknown> | null,
          })),
        }
      : {}),
  };
}

export interface ExperimentsRoutesOptions {
  experiments: ExperimentService;
  limits: SpecLimits;
  /** Jobs one step of a key's experiment may have unless the key says otherwise. */
  maxJobsPerRun: number;
}

/** `/api/v1/experiments`: load experiments (capacity per replica at a latency SLO). */
export const experimentsRoutes: FastifyPluginAsyncZod<ExperimentsRoutesOptions> = async (
  app,
  { experiments, limits, maxJobsPerRun },
) => {
  const found = async (id: number) => {
    const view = await experiments.get(id);
    if (!view) throw notFound("experiment", id);
    return view;
  };

  app.post(
    "/",
    {
      schema: {
        tags,
        summary:
          "Start a load experiment: stepped arrival rates (and replica counts) against a target, resource use from Prometheus; runs in the background (202), one at a time across every process on the store (pending until the one running ends)",
        body: experimentSpecSchema(limits),
        response: { 202: experimentView, 400: errorBody, 403: errorBody, 422: errorBody },
      },
    },
    async (request, reply) => {
      const key = request.principal ?? ANONYMOUS;
      const result = await experiments.create(request.body, {
        apiKeyId: key.keyId,
        maxJobsPerRun: key.keyId === null ? undefined : (key.maxJobsPerRun ?? maxJobsPerRun),
      });
      if ("problem" in result) {
        const first = result.details[0]?.message ?? "experiment is invalid";
        switch (result.problem) {
          case "invalid":
            throw new ApiError(400, "validation_error", first, result.details);
          case "unknown_reference":
            throw new ApiError(422, "unknown_reference", first, result.details);
          case "blocked":
            throw new ApiError(422, "target_not_allowed", first, result.details);
          case "too_large":
            throw new ApiError(403, "run_too_large", first, result.details);
        }
      }
      return reply
        .status(202)
        .header("location", `/api/v1/experiments/${result.experiment.id}`)
        .send(present(result.experiment, []));
    },
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List experiments, newest first, paginated with a cursor",
        querystring: listQuery,
        response: {
          200: z.object({ items: z.array(experimentView), next_cursor: z.string().nullable() }),
          400: errorBody,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await experiments.list({
        limit: q.limit,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        statuses: q.status,
      });
      return {
        items: page.rows.map((row) => present(row)),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get an experiment with its steps and its verdict",
        params: idParams,
        response: { 200: experimentView, 404: errorBody },
      },
    },
    async (request) => {
      const view = await found(request.params.id);
      return present(view.experiment, view.steps);
    },
  );

  app.post(
    "/:id/cancel",
    {
      schema: {
        tags,
        summary: "Cancel a pending or running experiment (the steps complete so far are kept and judged)",
        params: idParams,
        response: { 202: experimentView, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const result = await experiments.cancel(request.params.id);
      if ("problem" in result) {
        if (result.problem === "no_experiment") throw notFound("experiment", request.params.id);
        throw new ApiError(
          409,
          "already_finished",
          `experiment ${request.params.id} is ${result.status}; it cannot be cancelled`,
        );
      }
      return reply.status(202).send(present(result.experiment));
    },
  );

  app.get(
    "/:id/export.csv",
    {
      schema: {
        tags,
        summary:
          "The experiment's steps as CSV: one row per planned step (replica count × rate), engine and Prometheus metrics side by side; steps not measured say why (skipped, pending, not_run)",
        params: idParams,
        response: { 200: z.string().describe("text/csv"), 404: errorBody },
      },
    },
    async (request, reply) => {
      const csv = await experiments.csv(request.params.id);
      if (csv === undefined) throw notFound("experiment", request.params.id);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="experiment-${request.params.id}.csv"`)
        .send(csv);
    },
  );

  app.get(
    "/:id/metadata.json",
    {
      schema: {
        tags,
        summary:
          "The experiment's JSON metadata: target, load, SLO, queries, verdict, data quality, CSV columns",
        params: idParams,
        response: { 200: z.record(z.string(), z.unknown()), 404: errorBody },
      },
    },
    async (request, reply) => {
      const metadata = await experiments.metadata(request.params.id);
      if (!metadata) throw notFound("experiment", request.params.id);
      reply.header("content-disposition", `attachment; filename="experiment-${request.params.id}.json"`);
      return metadata;
    },
  );
};
