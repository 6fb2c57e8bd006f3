import type { ScheduleRow } from "../../store/schedules-repo.js";

/**
 * What makes schedules tick. The embedded one keeps timers in this process; the BullMQ one keeps
 * job schedulers in Redis, whose tick jobs any worker takes. Either way each tick reaches
 * `ScheduleService.tick`, which fires it once.
 */
export interface Scheduler {
  /** Starts ticking schedule `schedule` (or replaces its timing); a disabled one stops. */
  sync(schedule: ScheduleRow): Promise<void>;
  remove(id: number): Promise<void>;
  /** At start: exactly `enabled` tick, nothing else. */
  reconcile(enabled: readonly ScheduleRow[]): Promise<void>;
  close(): Promise<void>;
}
