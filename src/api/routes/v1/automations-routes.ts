import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { automationInput, automationTemplateInputs, automationView } from "../../../contracts/automation.js";
import { cascadeQuery, errorBody, idParams } from "../../../contracts/common.js";
import type { AutomationsRepo } from "../../../store/automations-repo.js";
import { isStillReferenced, sqlState, UNIQUE_VIOLATION } from "../../../store/errors.js";
import { ApiError } from "../../errors.js";
import { presentAutomation } from "./presenters.js";

const tags = ["automations"];

export const notFound = (what: string, id: number) =>
  new ApiError(404, "not_found", `no ${what} with id ${id}`);

export function duplicateName(what: string, error: unknown): unknown {
  if (sqlState(error) !== UNIQUE_VIOLATION) return error;
  return new ApiError(409, "conflict", `a ${what} with this name exists`, [
    { field: "name", rule: "unique", message: `must be unique among ${what}s` },
  ]);
}

/** `/api/v1/automations`: what is exercised (synthetic jobs, HTTP endpoints, TinyFish agents). */
export const automationsRoutes: FastifyPluginAsyncZod<{ automations: AutomationsRepo }> = async (
  app,
  { automations },
) => {
  app.post(
    "/",
    {
      schema: {
        tags,
        summary: "Create an automation",
        body: automationInput,
        response: { 201: automationView },
      },
    },
    async (request, reply) => {
      try {
        const row = await automations.create(request.body);
        return reply.status(201).send(presentAutomation(row));
      } catch (error) {
        throw duplicateName("automation", error);
      }
    },
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List automations",
        response: { 200: z.object({ items: z.array(automationView) }) },
      },
    },
    async () => ({ items: (await automations.list()).map(presentAutomation) }),
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get an automation",
        params: idParams,
        response: { 200: automationView, 404: errorBody },
      },
    },
    async (request) => {
      const row = await automations.get(request.params.id);
      if (!row) throw notFound("automation", request.params.id);
      return presentAutomation(row);
    },
  );

  app.put(
    "/:id",
    {
      schema: {
        tags,
        summary: "Replace an automation",
        params: idParams,
        body: automationInput,
        response: { 200: automationView, 404: errorBody, 409: errorBody },
      },
    },
    async (request) => {
      // A placeholder the scenarios using it cannot fill would fail every one of their runs.
      const names = automationTemplateInputs(request.body);
      const lacking = await automations.usersMissingInputs(request.params.id, names);
      if (lacking.length > 0) {
        const message = `scenarios ${lacking.join(", ")} use this automation and give no value for one of ${names
          .map((n) => `{{input.${n}}}`)
          .join(", ")}; give them the inputs first`;
        throw new ApiError(409, "in_use", message, [{ field: "config", rule: "scenario_inputs", message }]);
      }
      try {
        const row = await automations.update(request.params.id, request.body);
        if (!row) throw notFound("automation", request.params.id);
        return presentAutomation(row);
      } catch (error) {
        throw duplicateName("automation", error);
      }
    },
  );

  app.delete(
    "/:id",
    {
      schema: {
        tags,
        summary: "Delete an automation (409 while scenarios use it, unless ?cascade=true deletes them too)",
        params: idParams,
        querystring: cascadeQuery,
        response: { 204: z.null().describe("deleted"), 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const cascade = request.query.cascade;
      if (!cascade) {
        const users = await automations.usedBy(id);
        if (users.length > 0) {
          throw new ApiError(
            409,
            "in_use",
            `automation ${id} is used by scenario${users.length > 1 ? "s" : ""} ${users.join(", ")}; delete them first or pass ?cascade=true`,
            [{ field: "id", rule: "in_use", message: `used by scenarios ${users.join(", ")}` }],
          );
        }
      }
      let deleted: boolean;
      try {
        deleted = await automations.delete(id, { cascade });
      } catch (error) {
        // A scenario created since the check above still uses it.
        if (!isStillReferenced(error)) throw error;
        throw new ApiError(
          409,
          "in_use",
          `automation ${id} is used by scenarios; delete them first or pass ?cascade=true`,
          [{ field: "id", rule: "in_use", message: "used by scenarios" }],
        );
      }
      if (!deleted) throw notFound("automation", id);
      return reply.status(204).send(null);
    },
  );
};
