import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { compileAssertion } from "../../../automations/tinyfish/index.js";
import { automationInput, automationTemplateInputs } from "../../../contracts/automation.js";
import { decimalId, errorBody, idParams } from "../../../contracts/common.js";
import { type ScenarioInput, scenarioInputSchema, scenarioView } from "../../../contracts/scenario.js";
import type { FieldError, SpecLimits } from "../../../engine/index.js";
import type { AutomationsRepo } from "../../../store/automations-repo.js";
import type { RunsRepo } from "../../../store/runs-repo.js";
import type { NewScenario, ScenariosRepo } from "../../../store/scenarios-repo.js";
import { ApiError } from "../../errors.js";
import { duplicateName, notFound } from "./automations-routes.js";
import { presentScenario } from "./presenters.js";

const tags = ["scenarios"];

export interface ScenariosRoutesOptions {
  scenarios: ScenariosRepo;
  automations: AutomationsRepo;
  runs: RunsRepo;
  limits: SpecLimits;
}

/** `/api/v1/scenarios`: an automation under a load profile, with thresholds and assertions. */
export const scenariosRoutes: FastifyPluginAsyncZod<ScenariosRoutesOptions> = async (
  app,
  { scenarios, automations, runs, limits },
) => {
  const body = scenarioInputSchema(limits);

  /** Checks what the schema cannot: the automation exists, its placeholders have inputs, the assertion compiles. */
  async function toRow(input: ScenarioInput): Promise<NewScenario> {
    const automation = await automations.get(input.automation_id);
    if (!automation) {
      throw new ApiError(422, "unknown_reference", `no automation with id ${input.automation_id}`, [
        { field: "automation_id", rule: "exists", message: `no automation with id ${input.automation_id}` },
      ]);
    }
    const problems: FieldError[] = [];
    const parsed = automationInput.safeParse({
      name: automation.name,
      kind: automation.kind,
      config: automation.config,
    });
    if (parsed.success) {
      for (const name of automationTemplateInputs(parsed.data)) {
        if (!Object.hasOwn(input.inputs, name)) {
          problems.push({
            field: `inputs.${name}`,
            rule: "required",
            message: `automation ${automation.id} uses {{input.${name}}}; give it a value`,
          });
        }
      }
    }
    if (input.assertion) {
      const compiled = compileAssertion(input.assertion, "assertion");
      if (!compiled.ok) problems.push(...compiled.problems);
    }
    if (problems.length > 0) throw new ApiError(422, "validation_error", "scenario is invalid", problems);
    return {
      name: input.name,
      description: input.description,
      automationId: input.automation_id,
      inputs: input.inputs,
      load: input.load,
      thresholds: input.thresholds,
      cost: Object.fromEntries(Object.entries(input.cost).filter(([, v]) => v !== undefined)) as Record<
        string,
        number
      >,
      assertion: input.assertion,
      tags: input.tags,
      onInterrupt: input.on_interrupt,
      shards: input.shards,
      allowPartial: input.allow_partial,
      seed: input.seed,
    };
  }

  app.post(
    "/",
    {
      schema: {
        tags,
        summary: "Create a scenario",
        body,
        response: { 201: scenarioView, 409: errorBody, 422: errorBody },
      },
    },
    async (request, reply) => {
      const values = await toRow(request.body);
      try {
        return reply.status(201).send(presentScenario(await scenarios.create(values)));
      } catch (error) {
        throw duplicateName("scenario", error);
      }
    },
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List scenarios",
        querystring: z.strictObject({
          automation_id: decimalId("must be an automation id").optional(),
          tag: z.string().max(100).optional(),
        }),
        response: { 200: z.object({ items: z.array(scenarioView) }) },
      },
    },
    async (request) => {
      const rows = await scenarios.list({
        automationId: request.query.automation_id,
        tag: request.query.tag,
      });
      return { items: rows.map(presentScenario) };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get a scenario",
        params: idParams,
        response: { 200: scenarioView, 404: errorBody },
      },
    },
    async (request) => {
      const row = await scenarios.get(request.params.id);
      if (!row) throw notFound("scenario", request.params.id);
      return presentScenario(row);
    },
  );

  app.put(
    "/:id",
    {
      schema: {
        tags,
        summary: "Replace a scenario",
        params: idParams,
        body,
        response: { 200: scenarioView, 404: errorBody, 409: errorBody, 422: errorBody },
      },
    },
    async (request) => {
      const values = await toRow(request.body);
      try {
        const row = await scenarios.update(request.params.id, values);
        if (!row) throw notFound("scenario", request.params.id);
        return presentScenario(row);
      } catch (error) {
        throw duplicateName("scenario", error);
      }
    },
  );

  app.put(
    "/:id/baseline",
    {
      schema: {
        tags,
        summary: "Pin a completed run as the scenario's baseline (null unpins)",
        params: idParams,
        body: z.strictObject({ run_id: z.number().int().min(1).nullable() }),
        response: { 200: scenarioView, 404: errorBody, 422: errorBody },
      },
    },
    async (request) => {
      const { id } = request.params;
      const runId = request.body.run_id;
      if (!(await scenarios.get(id))) throw notFound("scenario", id);
      if (runId !== null) {
        const run = await runs.get(runId);
        const problem = !run
          ? `no run with id ${runId}`
          : run.scenarioId !== id
            ? `run ${runId} belongs to another scenario`
            : run.status !== "completed"
              ? `run ${runId} is ${run.status}; only a completed run can be a baseline`
              : null;
        if (problem)
          throw new ApiError(422, "invalid_baseline", problem, [
            { field: "run_id", rule: "baseline", message: problem },
          ]);
      }
      return presentScenario((await scenarios.setBaseline(id, runId))!);
    },
  );

  app.delete(
    "/:id",
    {
      schema: {
        tags,
        summary: "Delete a scenario (its runs stay, with the scenario's name)",
        params: idParams,
        response: { 204: z.null().describe("deleted"), 404: errorBody },
      },
    },
    async (request, reply) => {
      if (!(await scenarios.delete(request.params.id))) throw notFound("scenario", request.params.id);
      return reply.status(204).send(null);
    },
  );
};
