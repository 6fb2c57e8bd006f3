import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** What the per-schedule gauges read at each scrape: the enabled schedules. */
export interface ScheduleHealth {
  id: number;
  /** Its last passed run's end, or when it was created while it has none. */
  lastSuccessAt: Date;
  /** Seconds between its ticks (for a cron expression, between its next two). */
  intervalSeconds: number;
}

/** Schedules: ticks fired and skipped, how late they fired, and whether each keeps succeeding. */
export class ScheduleMetrics {
  readonly #ticks: Counter<"result">;
  readonly #lag: Histogram;
  #source: (() => Promise<ScheduleHealth[]>) | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#ticks = new Counter({
      name: "aurea_schedule_ticks_total",
      help: "Schedule ticks this process took, by result (fired a run, or skipped: the previous run was still active).",
      labelNames: ["result"],
      registers,
    });
    this.#lag = new Histogram({
      name: "aurea_schedule_lag_seconds",
      help: "Time from a schedule's tick to this process firing it, seconds.",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    // One read of the schedules serves both gauges of a scrape.
    let pending: Promise<ScheduleHealth[] | undefined> | undefined;
    const read = () => {
      const source = this.#source;
      if (!source) return Promise.resolve(undefined);
      pending ??= source()
        .catch(() => undefined)
        .finally(() => {
          pending = undefined;
        });
      return pending;
    };
    const gauge = (name: string, help: string, value: (s: ScheduleHealth) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["schedule"],
        registers,
        async collect() {
          const schedules = await read();
          // The store is down: keep the last values (readiness reports the outage).
          if (!schedules) return;
          this.reset();
          for (const s of schedules) this.set({ schedule: String(s.id) }, value(s));
        },
      });
    gauge(
      "aurea_schedule_last_success_timestamp_seconds",
      "When each enabled schedule's last run passed (its creation while none has), Unix seconds.",
      (s) => s.lastSuccessAt.getTime() / 1000,
    );
    gauge(
      "aurea_schedule_interval_seconds",
      "Seconds between each enabled schedule's ticks.",
      (s) => s.intervalSeconds,
    );
  }

  /** Reads the enabled schedules' health from `source` at each scrape. */
  watch(source: () => Promise<ScheduleHealth[]>): void {
    this.#source = source;
  }

  /** A tick this process took: it fired a run or skipped, `lagMs` after the tick's time. */
  recordTick(result: "fired" | "skipped", lagMs: number): void {
    this.#ticks.inc({ result });
    this.#lag.observe(Math.max(0, lagMs) / 1000);
  }
}
