import type { FastifyError } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody, idParams } from "../../../contracts/common.js";
import {
  csvText,
  pageQuery,
  recommendationInput,
  recommendationListView,
  recommendationSummary,
  recommendationView,
  type reportView,
  usageQuery,
  usageView,
} from "../../../contracts/recommendation.js";
import type { CollectionService } from "../../../services/rightsizing/collection-service.js";
import { reportCsv } from "../../../services/rightsizing/exports.js";
import type {
  RecommendationOptions,
  RecommendationService,
} from "../../../services/rightsizing/recommendation-service.js";
import type { RecommendReport } from "../../../services/rightsizing/report.js";
import { usageBuckets } from "../../../services/rightsizing/usage-buckets.js";
import type { RecommendationWithCollection, RightsizingRepo } from "../../../store/rightsizing-repo.js";
import { ApiError, errorHandler } from "../../errors.js";
import { notFound } from "./automations-routes.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { collectionMetadata, presentRecommendation } from "./rightsizing-presenters.js";

const tags = ["rightsizing"];

export interface RecommendationsRoutesOptions {
  repo: RightsizingRepo;
  recommendations: RecommendationService;
  collections: CollectionService;
  /** The app's body limit: a CSV upload must fit in it. */
  maxBodyBytes: number;
}

const noReport = (row: RecommendationWithCollection) =>
  new ApiError(409, "not_ready", `recommendation ${row.id} is ${row.status}: it has no report yet`);

/**
 * `/api/v1/recommendations`: CPU and memory requests and limits per series from a CSV upload or
 * a Prometheus (with replicas per workload from a Prometheus), made in the background; the
 * report, the usage behind it, CSV and JSON exports.
 */
export const recommendationsRoutes: FastifyPluginAsyncZod<RecommendationsRoutesOptions> = async (
  app,
  { repo, recommendations, collections, maxBodyBytes },
) => {
  const found = async (id: number) => {
    const row = await repo.getRecommendation(id);
    if (!row) throw notFound("recommendation", id);
    return row;
  };

  app.post(
    "/",
    {
      schema: {
        tags,
        summary:
          "Recommend CPU and memory from a CSV upload or a Prometheus (and replicas per workload from a Prometheus); made in the background (202, status running)",
        body: recommendationInput,
        response: { 202: recommendationSummary, 400: errorBody, 413: errorBody },
      },
      // A body over the limit is, here, a CSV too large to upload: say so, naming the field.
      errorHandler: (error: FastifyError, request, reply) => {
        if (error.code !== "FST_ERR_CTP_BODY_TOO_LARGE") return errorHandler(error, request, reply);
        const message = `the request body is over the server's limit of ${maxBodyBytes} bytes (AUREA_MAX_BODY_BYTES); the CSV must fit in it`;
        return errorHandler(
          new ApiError(413, "body_too_large", message, [
            { field: "source.csv", rule: "max_bytes", message },
          ]) as never,
          request,
          reply,
        );
      },
    },
    async (request, reply) => {
      const created = await recommendations.create(request.body, request.principal?.keyId ?? null);
      if ("problems" in created)
        throw new ApiError(400, "validation_error", "body is invalid", created.problems);
      const id = created.recommendation.id;
      return reply
        .status(202)
        .header("location", `/api/v1/recommendations/${id}`)
        .send(presentRecommendation(created.recommendation));
    },
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List recommendations, newest first, paginated with a cursor",
        querystring: pageQuery,
        response: { 200: recommendationListView, 400: errorBody },
      },
    },
    async (request) => {
      const page = await repo.listRecommendations({
        limit: request.query.limit,
        after: request.query.cursor ? decodeCursor(request.query.cursor) : undefined,
      });
      return {
        items: page.rows.map(presentRecommendation),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get a recommendation with its report (the JSON `aurea recommend --json` prints)",
        params: idParams,
        response: { 200: recommendationView, 404: errorBody },
      },
    },
    async (request) => {
      const row = await found(request.params.id);
      const options = row.options as unknown as RecommendationOptions;
      const replicas = options.replicas;
      return {
        ...presentRecommendation(row),
        options: {
          models: options.models,
          quantile: options.quantile,
          capacity_per_replica: replicas?.capacityPerReplica ?? null,
          experiment_id: replicas?.experimentId ?? null,
          capacity_status: replicas?.capacityStatus ?? null,
          target_utilization: replicas?.targetUtilization ?? null,
          request_rate_query: replicas?.requestRateQuery ?? null,
          workload_kind: replicas?.workloadKind ?? "Deployment",
        },
        report: (row.result as z.infer<typeof reportView> | null) ?? null,
      };
    },
  );

  app.get(
    "/:id/usage",
    {
      schema: {
        tags,
        summary:
          "The usage history a series' recommendation was made from, in at most 2,000 buckets (mean and peak of each)",
        params: idParams,
        querystring: usageQuery,
        response: { 200: usageView, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      const row = await found(request.params.id);
      const { series: name, resource } = request.query;
      const usage = row.collectionId === null ? undefined : await collections.usage(row.collectionId);
      if (!usage)
        throw new ApiError(
          409,
          "not_ready",
          `recommendation ${row.id} has no usage yet (its collection is not complete)`,
        );
      const series = usage.series.find((s) => s.name === name && s.resource === resource);
      if (!series) {
        const message = `recommendation ${row.id} has no ${resource} series named "${name}"`;
        throw new ApiError(404, "not_found", message, [{ field: "series", rule: "exists", message }]);
      }
      const buckets = usageBuckets(series);
      return {
        name,
        resource,
        start: new Date(buckets.startMs).toISOString(),
        step_ms: buckets.stepMs,
        values: buckets.values,
        peaks: buckets.peaks,
      };
    },
  );

  app.get(
    "/:id/export.csv",
    {
      schema: {
        tags,
        summary:
          "The report as CSV: one row per series and resource (request, bounds, limit, confidence, VPA, KRR)",
        params: idParams,
        response: { 200: csvText, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const row = await found(request.params.id);
      if (!row.result) throw noReport(row);
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="recommendation-${row.id}.csv"`)
        .send(reportCsv(row.result as unknown as RecommendReport));
    },
  );

  app.get(
    "/:id/metadata.json",
    {
      schema: {
        tags,
        summary: "What the recommendation was made from and with: options, and its collection's metadata",
        params: idParams,
        response: { 200: z.record(z.string(), z.unknown()), 404: errorBody },
      },
    },
    async (request, reply) => {
      const row = await found(request.params.id);
      const collection = row.collectionId === null ? undefined : await collections.get(row.collectionId);
      const report = row.result as unknown as RecommendReport | null;
      reply.header("content-disposition", `attachment; filename="recommendation-${row.id}.json"`);
      return {
        recommendation: presentRecommendation(row),
        options: row.options,
        generated_at: report?.generated_at ?? null,
        errors: report?.errors ?? [],
        collection: collection ? collectionMetadata(collection) : null,
      };
    },
  );
};
