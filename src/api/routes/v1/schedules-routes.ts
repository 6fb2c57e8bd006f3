import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody, idParams } from "../../../contracts/common.js";
import { scheduleInput, schedulePreviewQuery, scheduleView } from "../../../contracts/schedule.js";
import type { ScheduleService, ScheduleWrite } from "../../../services/schedules/schedule-service.js";
import { nextTicks, timingProblems } from "../../../services/schedules/schedule-timing.js";
import type { ScheduleRow, ScheduleWithRuns } from "../../../store/schedules-repo.js";
import { ApiError } from "../../errors.js";
import { notFound } from "./automations-routes.js";

const tags = ["schedules"];
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** `/api/v1/schedules`: scenarios triggered on a cron expression or an interval. */
export const schedulesRoutes: FastifyPluginAsyncZod<{ schedules: ScheduleService }> = async (
  app,
  { schedules },
) => {
  const present = (row: ScheduleRow | ScheduleWithRuns): z.infer<typeof scheduleView> => {
    const runs = "lastRun" in row ? row : { lastRun: null, lastSuccessAt: null };
    return {
      id: row.id,
      scenario_id: row.scenarioId,
      cron: row.cron,
      timezone: row.timezone,
      interval_seconds: row.intervalSeconds,
      enabled: row.enabled,
      overlap: row.overlap,
      next_fire_at: iso(schedules.nextFireAt(row)),
      last_fired_at: iso(row.lastFiredAt),
      last_run: runs.lastRun
        ? {
            id: runs.lastRun.id,
            status: runs.lastRun.status,
            created_at: runs.lastRun.createdAt.toISOString(),
          }
        : null,
      last_success_at: iso(runs.lastSuccessAt),
      skipped_ticks: row.skippedTicks,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  };

  const written = async (write: ScheduleWrite, id?: number) => {
    if ("problems" in write) {
      const unknown = write.problems.some((p) => p.rule === "exists");
      throw new ApiError(
        422,
        unknown ? "unknown_reference" : "validation_error",
        "schedule is invalid",
        write.problems,
      );
    }
    if ("problem" in write) throw notFound("schedule", id!);
    return present((await schedules.get(write.schedule.id)) ?? write.schedule);
  };

  app.post(
    "/",
    {
      schema: {
        tags,
        summary: "Create a schedule",
        body: scheduleInput,
        response: { 201: scheduleView, 422: errorBody },
      },
    },
    async (request, reply) => reply.status(201).send(await written(await schedules.create(request.body))),
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List schedules",
        response: { 200: z.object({ items: z.array(scheduleView) }) },
      },
    },
    async () => ({ items: (await schedules.list()).map(present) }),
  );

  app.get(
    "/preview",
    {
      schema: {
        tags,
        summary: "The next fire times of a cron expression in a time zone",
        querystring: schedulePreviewQuery,
        response: { 200: z.object({ fire_times: z.array(z.string()) }), 422: errorBody },
      },
    },
    async (request) => {
      const timing = { cron: request.query.cron, timezone: request.query.timezone, intervalSeconds: null };
      const problems = timingProblems(timing, 0);
      if (problems.length > 0) throw new ApiError(422, "validation_error", "cron is invalid", problems);
      return { fire_times: nextTicks(timing, new Date(), request.query.count).map((d) => d.toISOString()) };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get a schedule",
        params: idParams,
        response: { 200: scheduleView, 404: errorBody },
      },
    },
    async (request) => {
      const row = await schedules.get(request.params.id);
      if (!row) throw notFound("schedule", request.params.id);
      return present(row);
    },
  );

  app.put(
    "/:id",
    {
      schema: {
        tags,
        summary: "Replace a schedule (enable or disable it with `enabled`)",
        params: idParams,
        body: scheduleInput,
        response: { 200: scheduleView, 404: errorBody, 422: errorBody },
      },
    },
    async (request) => written(await schedules.update(request.params.id, request.body), request.params.id),
  );

  app.delete(
    "/:id",
    {
      schema: {
        tags,
        summary: "Delete a schedule",
        params: idParams,
        response: { 204: z.null(), 404: errorBody },
      },
    },
    async (request, reply) => {
      if (!(await schedules.delete(request.params.id))) throw notFound("schedule", request.params.id);
      return reply.status(204).send(null);
    },
  );
};
