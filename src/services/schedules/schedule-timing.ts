import { Cron } from "croner";
import type { FieldError } from "../../engine/index.js";

/** When a schedule fires: a cron expression in a time zone, or every `intervalSeconds`. */
export interface Timing {
  cron: string | null;
  timezone: string;
  intervalSeconds: number | null;
}

/**
 * The next `count` ticks strictly after `after`. Cron expressions have 5 fields, or 6 with
 * seconds first; intervals tick on multiples of the interval since the Unix epoch (as BullMQ's
 * job schedulers do), so every process computes the same ticks.
 */
export function nextTicks(timing: Timing, after: Date, count = 1): Date[] {
  if (timing.cron !== null)
    return new Cron(timing.cron, { timezone: timing.timezone, paused: true }).nextRuns(count, after);
  const every = timing.intervalSeconds! * 1000;
  const first = (Math.floor(after.getTime() / every) + 1) * every;
  return Array.from({ length: count }, (_, i) => new Date(first + i * every));
}

/** What is wrong with a timing: an invalid expression or zone, or ticks closer than the minimum. */
export function timingProblems(timing: Timing, minIntervalSeconds: number): FieldError[] {
  if (timing.cron !== null) {
    try {
      new Cron(timing.cron, { paused: true });
    } catch (error) {
      return [{ field: "cron", rule: "cron_expression", message: errorText(error) }];
    }
    try {
      new Intl.DateTimeFormat("en", { timeZone: timing.timezone });
    } catch {
      return [{ field: "timezone", rule: "time_zone", message: `unknown time zone ${timing.timezone}` }];
    }
    // The closest two ticks over the next few fires (cron gaps vary: `*/50 * * * *`).
    const ticks = nextTicks(timing, new Date(), 12);
    if (ticks.length === 0)
      return [{ field: "cron", rule: "cron_expression", message: "the expression never fires" }];
    let gap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < ticks.length; i++) gap = Math.min(gap, ticks[i]!.getTime() - ticks[i - 1]!.getTime());
    if (gap < minIntervalSeconds * 1000)
      return [
        {
          field: "cron",
          rule: "min_interval",
          message: `fires every ${gap / 1000} s; the minimum interval is ${minIntervalSeconds} s`,
        },
      ];
    return [];
  }
  if (timing.intervalSeconds! < minIntervalSeconds)
    return [
      {
        field: "interval_seconds",
        rule: "min_interval",
        message: `must be at least ${minIntervalSeconds} s (AUREA_MIN_SCHEDULE_INTERVAL_SECONDS)`,
      },
    ];
  return [];
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
