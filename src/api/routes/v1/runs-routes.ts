import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorBody, idParams } from "../../../contracts/common.js";
import { comparisonQuery, comparisonView } from "../../../contracts/comparison.js";
import { dashboardView, kpiQuery } from "../../../contracts/kpis.js";
import { runListQuery, runListView, runView, triggerBody } from "../../../contracts/run.js";
import { compareRuns } from "../../../engine/index.js";
import { ANONYMOUS } from "../../../services/keys/key-service.js";
import { comparableRun, isComparable } from "../../../services/runs/comparable-run.js";
import type { KpiSeries } from "../../../services/runs/kpi-series.js";
import { dashboardKpis } from "../../../services/runs/kpis.js";
import type { RunEvents } from "../../../services/runs/run-events.js";
import type { RunService } from "../../../services/runs/run-service.js";
import type { KpisQuery } from "../../../store/kpis-query.js";
import type { RunRow, RunsRepo } from "../../../store/runs-repo.js";
import { CoalescedReads } from "../../coalesced-read.js";
import { ApiError } from "../../errors.js";
import { notFound } from "./automations-routes.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { presentRun, presentRunSummary } from "./presenters.js";
import { streamRunEvents } from "./run-events-stream.js";

const tags = ["runs"];

export interface RunsRoutesOptions {
  /** What a key may trigger unless the key says otherwise. */
  keyDefaults: { maxConcurrentRuns: number; maxJobsPerRun: number };
  runs: RunsRepo;
  kpis: KpisQuery;
  series: KpiSeries;
  service: RunService;
  events: RunEvents;
}

/** `/api/v1/runs`: trigger, list, inspect, cancel and watch runs. */
export const runsRoutes: FastifyPluginAsyncZod<RunsRoutesOptions> = async (
  app,
  { keyDefaults, runs, kpis, series, service, events },
) => {
  const dashboardReads = new CoalescedReads<string>();
  app.get(
    "/kpis/dashboard",
    {
      schema: {
        tags,
        summary:
          "KPIs of the runs created in a window: counts, success rate, merged latency percentiles, cost, and the same over time",
        querystring: kpiQuery,
        response: { 200: dashboardView, 400: errorBody },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = { from: q.from, to: q.to, scenarioId: q.scenario_id };
      // Dashboards poll this: identical concurrent reads share one computation and one
      // serialisation (never one that started before the read arrived).
      const body = await dashboardReads.read(JSON.stringify(filter), async () => {
        const [result, overTime] = await Promise.all([dashboardKpis(kpis, filter), series.series(filter)]);
        return String(
          reply.serialize({
            ...result,
            recent_runs: result.recent_runs.map(presentRunSummary),
            series: overTime,
          }),
        );
      });
      // Already serialised by this route's schema: sent as it is.
      return (reply as unknown as FastifyReply).type("application/json; charset=utf-8").send(body);
    },
  );

  app.post(
    "/trigger",
    {
      schema: {
        tags,
        summary: "Trigger a run of a scenario; it executes in the background (202, status pending)",
        body: triggerBody,
        response: { 202: runView, 403: errorBody, 422: errorBody, 429: errorBody },
      },
    },
    async (request, reply) => {
      const key = request.principal ?? ANONYMOUS;
      const limits =
        key.keyId === null
          ? undefined
          : {
              keyId: key.keyId,
              maxConcurrentRuns: key.maxConcurrentRuns ?? keyDefaults.maxConcurrentRuns,
              maxJobsPerRun: key.maxJobsPerRun ?? keyDefaults.maxJobsPerRun,
            };
      const result = await service.trigger(request.body.scenario_id, { limits });
      if ("problem" in result) {
        if (result.problem === "too_many_runs") {
          reply.header("retry-after", "5");
          const message = `key ${key.prefix} has ${result.limit} runs pending or running, its limit`;
          throw new ApiError(429, "too_many_runs", message, [
            { field: "scenario_id", rule: "max_concurrent_runs", message },
          ]);
        }
        if (result.problem === "run_too_large") {
          const message = `the scenario's runs have ${result.jobs} jobs; key ${key.prefix} may run ${result.limit}`;
          throw new ApiError(403, "run_too_large", message, [
            { field: "scenario_id", rule: "max_jobs_per_run", message },
          ]);
        }
        const message = `no scenario with id ${request.body.scenario_id}`;
        throw new ApiError(422, "unknown_reference", message, [
          { field: "scenario_id", rule: "exists", message },
        ]);
      }
      return reply.status(202).send(presentRunSummary(result.run));
    },
  );

  app.get(
    "/",
    {
      schema: {
        tags,
        summary: "List runs, filtered, sorted and paginated with a cursor",
        querystring: runListQuery,
        response: { 200: runListView, 400: errorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await runs.list(
        {
          scenarioId: q.scenario_id,
          automationId: q.automation_id,
          statuses: q.status,
          from: q.from,
          to: q.to,
        },
        {
          sort: q.sort,
          order: q.order,
          limit: q.limit,
          after: q.cursor ? decodeCursor(q.cursor) : undefined,
        },
      );
      return {
        items: page.rows.map(presentRunSummary),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get(
    "/:id",
    {
      schema: {
        tags,
        summary: "Get a run with its full result",
        params: idParams,
        response: { 200: runView, 404: errorBody },
      },
    },
    async (request) => {
      const row = await runs.get(request.params.id);
      if (!row) throw notFound("run", request.params.id);
      return presentRun(row);
    },
  );

  app.post(
    "/:id/cancel",
    {
      schema: {
        tags,
        summary: "Cancel a pending or running run (a running one stops and keeps what it measured)",
        params: idParams,
        response: { 202: runView, 404: errorBody, 409: errorBody },
      },
    },
    async (request, reply) => {
      const result = await service.cancel(request.params.id);
      if ("problem" in result) {
        if (result.problem === "no_run") throw notFound("run", request.params.id);
        throw new ApiError(
          409,
          "already_finished",
          `run ${request.params.id} is ${result.run?.status}; it cannot be cancelled`,
        );
      }
      return reply.status(202).send(presentRunSummary(result.run));
    },
  );

  app.get(
    "/:id/compare",
    {
      schema: {
        tags,
        summary:
          "Compare a run with a baseline run (default: its scenario's pinned baseline), metric by metric",
        params: idParams,
        querystring: comparisonQuery,
        response: { 200: comparisonView, 404: errorBody, 422: errorBody },
      },
    },
    async (request) => {
      const run = await runs.get(request.params.id);
      if (!run) throw notFound("run", request.params.id);
      const baselineId = request.query.baseline ?? (await service.pinnedBaseline(run));
      if (baselineId === undefined) {
        const message = "no baseline given, and the run's scenario has none pinned";
        throw new ApiError(422, "no_baseline", message, [{ field: "baseline", rule: "required", message }]);
      }
      const baseline = await runs.get(baselineId);
      if (!baseline) {
        const message = `no run with id ${baselineId}`;
        throw new ApiError(422, "unknown_reference", message, [
          { field: "baseline", rule: "exists", message },
        ]);
      }
      const measured = (field: "id" | "baseline", r: RunRow) => {
        if (isComparable(r)) return comparableRun(r);
        const message = `run ${r.id} is ${r.status} and has no measurements to compare`;
        throw new ApiError(422, "not_comparable", message, [{ field, rule: "measured", message }]);
      };
      const comparison = compareRuns(measured("id", run), measured("baseline", baseline), {
        alpha: request.query.alpha,
        minEffect: request.query.min_effect,
      });
      return { run_id: run.id, baseline_id: baseline.id, ...comparison };
    },
  );

  app.get(
    "/:id/events",
    {
      schema: {
        tags,
        summary: "Live progress of a run (Server-Sent Events: status, progress, second, finished)",
        params: idParams,
        response: { 200: z.string().describe("text/event-stream"), 404: errorBody },
      },
    },
    async (request, reply) => {
      const row = await runs.get(request.params.id);
      if (!row) throw notFound("run", request.params.id);
      streamRunEvents(request, reply, row, events, () => runs.get(request.params.id));
      return reply;
    },
  );
};
