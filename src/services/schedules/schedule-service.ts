import type { ScheduleInput } from "../../contracts/schedule.js";
import type { FieldError } from "../../engine/index.js";
import type { ScenariosRepo } from "../../store/scenarios-repo.js";
import type {
  NewSchedule,
  ScheduleRow,
  SchedulesRepo,
  ScheduleWithRuns,
} from "../../store/schedules-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import type { ScheduleHealth, ScheduleMetrics } from "../../telemetry/schedule-metrics.js";
import type { RunService } from "../runs/run-service.js";
import { nextTicks, type Timing, timingProblems } from "./schedule-timing.js";
import type { Scheduler } from "./scheduler.js";

export type ScheduleWrite =
  | { schedule: ScheduleRow }
  | { problems: FieldError[] }
  | { problem: "no_schedule" };

export interface ScheduleServiceDeps {
  schedules: SchedulesRepo;
  scenarios: ScenariosRepo;
  runs: RunService;
  scheduler: Scheduler;
  /** Shortest interval between ticks a schedule may ask for (protects providers' budgets). */
  minIntervalSeconds: number;
  logger: Logger;
  metrics?: ScheduleMetrics;
  /** Now (tests inject one). */
  now?: () => Date;
}

/** Schedules: validated writes kept in step with the scheduler, and each tick fired once. */
export class ScheduleService {
  readonly #d: ScheduleServiceDeps;

  constructor(deps: ScheduleServiceDeps) {
    this.#d = deps;
  }

  /** At start: the scheduler ticks exactly the enabled schedules. */
  async start(): Promise<void> {
    await this.#d.scheduler.reconcile(await this.#d.schedules.listEnabled());
  }

  async create(input: ScheduleInput): Promise<ScheduleWrite> {
    const checked = await this.#check(input);
    if ("problems" in checked) return checked;
    const schedule = await this.#d.schedules.create(checked.values);
    await this.#d.scheduler.sync(schedule);
    return { schedule };
  }

  async update(id: number, input: ScheduleInput): Promise<ScheduleWrite> {
    const checked = await this.#check(input);
    if ("problems" in checked) return checked;
    const schedule = await this.#d.schedules.update(id, checked.values);
    if (!schedule) return { problem: "no_schedule" };
    await this.#d.scheduler.sync(schedule);
    return { schedule };
  }

  async delete(id: number): Promise<boolean> {
    const deleted = await this.#d.schedules.delete(id);
    if (deleted) await this.#d.scheduler.remove(id);
    return deleted;
  }

  get(id: number): Promise<ScheduleWithRuns | undefined> {
    return this.#d.schedules.get(id);
  }

  list(): Promise<ScheduleWithRuns[]> {
    return this.#d.schedules.list();
  }

  /** When schedule `schedule` fires next (null when disabled). */
  nextFireAt(schedule: ScheduleRow, now = new Date()): Date | null {
    return schedule.enabled ? (nextTicks(schedule, now)[0] ?? null) : null;
  }

  /**
   * Tick `tick` of schedule `id`, from whichever scheduler and process: the first caller takes
   * the tick and triggers a run (unless the previous one is still active and the schedule says
   * skip); any later caller for the same tick does nothing.
   */
  async tick(id: number, tick: Date): Promise<"fired" | "skipped" | "taken"> {
    const schedule = await this.#d.schedules.takeTick(id, tick);
    if (!schedule) return "taken";
    const result = await this.#fire(id, schedule);
    const now = this.#d.now?.() ?? new Date();
    this.#d.metrics?.recordTick(result, now.getTime() - tick.getTime());
    return result;
  }

  /** Each enabled schedule's last success and interval (what the schedule gauges show). */
  async health(): Promise<ScheduleHealth[]> {
    const now = this.#d.now?.() ?? new Date();
    return (await this.#d.schedules.list())
      .filter((s) => s.enabled)
      .map((s) => {
        const [next, after] = nextTicks(s, now, 2);
        return {
          id: s.id,
          lastSuccessAt: s.lastSuccessAt ?? s.createdAt,
          intervalSeconds: next && after ? (after.getTime() - next.getTime()) / 1000 : 0,
        };
      });
  }

  async #fire(id: number, schedule: ScheduleRow): Promise<"fired" | "skipped"> {
    if (schedule.overlap === "skip" && (await this.#d.schedules.hasActiveRun(id))) {
      await this.#d.schedules.countSkipped(id);
      this.#d.logger.info({ schedule_id: id }, "schedule tick skipped: its previous run is still active");
      return "skipped";
    }
    const result = await this.#d.runs.trigger(schedule.scenarioId, { source: "schedule", scheduleId: id });
    if ("problem" in result) {
      // The scenario is gone (its schedules go with it): nothing to run.
      this.#d.logger.warn({ schedule_id: id }, "schedule tick: scenario not found");
      return "skipped";
    }
    return "fired";
  }

  async #check(input: ScheduleInput): Promise<{ values: NewSchedule } | { problems: FieldError[] }> {
    const problems: FieldError[] = [];
    if ((input.cron === undefined) === (input.interval_seconds === undefined)) {
      problems.push({
        field: input.cron === undefined ? "cron" : "interval_seconds",
        rule: "one_of",
        message: "give either cron (with timezone) or interval_seconds, not both",
      });
    } else {
      const timing: Timing = {
        cron: input.cron ?? null,
        timezone: input.timezone,
        intervalSeconds: input.interval_seconds ?? null,
      };
      problems.push(...timingProblems(timing, this.#d.minIntervalSeconds));
    }
    if (!(await this.#d.scenarios.get(input.scenario_id)))
      problems.push({
        field: "scenario_id",
        rule: "exists",
        message: `no scenario with id ${input.scenario_id}`,
      });
    if (problems.length > 0) return { problems };
    return {
      values: {
        scenarioId: input.scenario_id,
        cron: input.cron ?? null,
        timezone: input.timezone,
        intervalSeconds: input.interval_seconds ?? null,
        enabled: input.enabled,
        overlap: input.overlap,
      },
    };
  }
}
