import type { BullMqQueue } from "../../queue/bullmq-queue.js";
import type { ScheduleRow } from "../../store/schedules-repo.js";
import type { Scheduler } from "./scheduler.js";

/** Schedules as BullMQ job schedulers in Redis: one tick job per tick, for any worker to take. */
export class QueueScheduler implements Scheduler {
  readonly #queue: BullMqQueue;

  constructor(queue: BullMqQueue) {
    this.#queue = queue;
  }

  async sync(schedule: ScheduleRow): Promise<void> {
    if (!schedule.enabled) return this.remove(schedule.id);
    await this.#queue.upsertSchedule(
      schedule.id,
      schedule.cron !== null
        ? { pattern: schedule.cron, tz: schedule.timezone }
        : { everyMs: schedule.intervalSeconds! * 1000 },
    );
  }

  async remove(id: number): Promise<void> {
    await this.#queue.removeSchedule(id);
  }

  async reconcile(enabled: readonly ScheduleRow[]): Promise<void> {
    const wanted = new Set(enabled.map((s) => s.id));
    for (const id of await this.#queue.scheduleIds()) if (!wanted.has(id)) await this.remove(id);
    for (const schedule of enabled) await this.sync(schedule);
  }

  /** The job schedulers stay in Redis: they belong to the deployment, not to this process. */
  async close(): Promise<void> {}
}
