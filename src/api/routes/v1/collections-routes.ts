import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody, idParams } from "../../../contracts/common.js";
import { collectionListView, collectionView, csvText, pageQuery } from "../../../contracts/recommendation.js";
import type { CollectionService } from "../../../services/rightsizing/collection-service.js";
import { usageCsv } from "../../../services/rightsizing/exports.js";
import { ApiError } from "../../errors.js";
import { notFound } from "./automations-routes.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { collectionMetadata, presentCollection } from "./rightsizing-presenters.js";

const tags = ["rightsizing"];

/**
 * `/api/v1/collections`: the usage collections recommendations are made from (Prometheus ranges
 * stored chunk by chunk, or a CSV upload), their CSV export and JSON metadata, and resuming one.
 */
export const collectionsRoutes: FastifyPluginAsyncZod<{ collections: CollectionService }> = async (
  app,
  { collections },
) => {
  const found = async (id: number) => {
    const row = await collections.get(id);
    if (!row) throw notFound("collection", id);
    return row;
  };

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List usage collections, newest first, paginated with a cursor",
        querystring: pageQuery,
        response: { 200: collectionListView, 400: errorBody },
      },
    },
    async (request) => {
      const page = await collections.list({
        limit: request.query.limit,
        after: request.query.cursor ? decodeCursor(request.query.cursor) : undefined,
      });
      return {
        items: page.rows.map(presentCollection),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get a usage collection: status, window, progress (chunks stored of all)",
        params: idParams,
        response: { 200: collectionView, 404: errorBody },
      },
    },
    async (request) => presentCollection(await found(request.params.id)),
  );

  app.get(
    "/:id/export.csv",
    {
      schema: {
        tags,
        summary:
          "The collected usage as CSV (timestamp,<series>,<series>:memory,…), the form `aurea recommend --csv` reads",
        params: idParams,
        response: { 200: csvText, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const row = await found(request.params.id);
      const usage = await collections.usage(row.id);
      if (!usage)
        throw new ApiError(
          409,
          "not_ready",
          `collection ${row.id} is ${row.status}: only a complete one is exported`,
        );
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="collection-${row.id}.csv"`)
        .send(usageCsv(usage.series));
    },
  );

  app.get(
    "/:id/metadata.json",
    {
      schema: {
        tags,
        summary: "The collection's JSON metadata: queries, window, step, per-series summary, context",
        params: idParams,
        response: { 200: z.record(z.string(), z.unknown()), 404: errorBody },
      },
    },
    async (request, reply) => {
      const row = await found(request.params.id);
      reply.header("content-disposition", `attachment; filename="collection-${row.id}.json"`);
      return collectionMetadata(row);
    },
  );

  app.post(
    "/:id/resume",
    {
      schema: {
        tags,
        summary:
          "Resume an interrupted or failed collection: the chunks it stored are not fetched again (202, collecting)",
        params: idParams,
        response: { 202: collectionView, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const result = await collections.resume(request.params.id);
      if ("problem" in result) {
        if (result.problem === "no_collection") throw notFound("collection", request.params.id);
        throw new ApiError(
          409,
          result.problem === "complete" ? "already_complete" : "already_collecting",
          `collection ${request.params.id} is ${result.problem === "complete" ? "complete" : "being collected"}: nothing to resume`,
        );
      }
      return reply.status(202).send(presentCollection(result.collection));
    },
  );
};
