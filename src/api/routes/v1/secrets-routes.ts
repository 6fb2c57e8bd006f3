import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody } from "../../../contracts/common.js";
import type { SecretService } from "../../../services/secrets/secret-service.js";
import { ApiError } from "../../errors.js";

const tags = ["secrets"];
const nameParams = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,128}$/, "must be a secret name: letters, digits, _ . -"),
});

/** `/api/v1/secrets`: provider keys, stored encrypted; values go in and never come out. */
export const secretsRoutes: FastifyPluginAsyncZod<{ secrets: SecretService }> = async (app, { secrets }) => {
  app.put(
    "/:name",
    {
      schema: {
        tags,
        summary: "Store a secret (its value is never returned)",
        params: nameParams,
        body: z.strictObject({ value: z.string().min(1).max(16_384) }),
        response: { 200: z.object({ name: z.string(), status: z.enum(["created", "updated"]) }) },
      },
    },
    async (request) => ({
      name: request.params.name,
      status: await secrets.put(request.params.name, request.body.value),
    }),
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List stored secrets' names",
        response: {
          200: z.object({
            items: z.array(z.object({ name: z.string(), created_at: z.string(), updated_at: z.string() })),
          }),
        },
      },
    },
    async () => ({
      items: (await secrets.list()).map((s) => ({
        name: s.name,
        created_at: s.createdAt.toISOString(),
        updated_at: s.updatedAt.toISOString(),
      })),
    }),
  );

  app.delete(
    "/:name",
    {
      schema: {
        tags,
        summary: "Delete a stored secret",
        params: nameParams,
        response: { 204: z.null(), 404: errorBody },
      },
    },
    async (request, reply) => {
      if (!(await secrets.delete(request.params.name))) {
        throw new ApiError(404, "not_found", `no stored secret named ${request.params.name}`);
      }
      return reply.status(204).send(null);
    },
  );
};
