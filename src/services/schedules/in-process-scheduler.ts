import type { ScheduleRow } from "../../store/schedules-repo.js";
import type { Logger } from "../../telemetry/logger.js";
import { nextTicks } from "./schedule-timing.js";
import type { Scheduler } from "./scheduler.js";

/** Longest single wait: a clock that jumps (suspend, NTP) is noticed within this. */
const MAX_WAIT_MS = 60_000;

/**
 * The embedded scheduler: one timer for all schedules, set to the earliest next tick (croner
 * computes cron ticks, in each schedule's time zone).
 */
export class InProcessScheduler implements Scheduler {
  readonly #onTick: (scheduleId: number, tick: Date) => Promise<void>;
  readonly #logger: Logger;
  readonly #next = new Map<number, { schedule: ScheduleRow; at: Date }>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(onTick: (scheduleId: number, tick: Date) => Promise<void>, logger: Logger) {
    this.#onTick = onTick;
    this.#logger = logger;
  }

  async sync(schedule: ScheduleRow): Promise<void> {
    if (!schedule.enabled) return this.remove(schedule.id);
    const [at] = nextTicks(schedule, new Date());
    if (at) this.#next.set(schedule.id, { schedule, at });
    else this.#next.delete(schedule.id);
    this.#arm();
  }

  async remove(id: number): Promise<void> {
    this.#next.delete(id);
    this.#arm();
  }

  async reconcile(enabled: readonly ScheduleRow[]): Promise<void> {
    this.#next.clear();
    for (const schedule of enabled) await this.sync(schedule);
    this.#arm();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#next.clear();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#closed || this.#next.size === 0) return;
    const earliest = Math.min(...[...this.#next.values()].map((n) => n.at.getTime()));
    this.#timer = setTimeout(
      () => this.#fireDue(),
      Math.min(MAX_WAIT_MS, Math.max(0, earliest - Date.now())),
    );
    this.#timer.unref();
  }

  #fireDue(): void {
    const now = new Date();
    for (const [id, entry] of this.#next) {
      if (entry.at > now) continue;
      const [at] = nextTicks(entry.schedule, now);
      if (at) this.#next.set(id, { schedule: entry.schedule, at });
      else this.#next.delete(id);
      this.#onTick(id, entry.at).catch((error: unknown) =>
        this.#logger.warn({ err: error, schedule_id: id }, "schedule tick failed"),
      );
    }
    this.#arm();
  }
}
