import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** How many jobs a queue has in each state, and how many workers take them. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  workers: number;
}

/** What the queue metrics read when Prometheus scrapes. */
export interface QueueCountsSource {
  counts(): Promise<QueueCounts>;
}

const STATES = ["waiting", "active", "delayed", "completed", "failed"] as const;

/** The run queue: depth per state, workers online, time waiting and time executing. */
export class QueueMetrics {
  readonly wait: Histogram<"job">;
  readonly duration: Histogram<"job" | "outcome">;
  readonly processed: Counter<"job" | "outcome">;
  #source: QueueCountsSource | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    // One read of the counts serves both gauges of a scrape.
    let pending: Promise<QueueCounts | undefined> | undefined;
    const counts = () => {
      const source = this.#source;
      if (!source) return Promise.resolve(undefined);
      // The backend is down: the gauges keep their last values (readiness reports the outage).
      pending ??= source
        .counts()
        .catch(() => undefined)
        .finally(() => {
          pending = undefined;
        });
      return pending;
    };
    new Gauge({
      name: "aurea_queue_jobs",
      help: "Jobs in the run queue by state (completed and failed: those the queue still keeps).",
      labelNames: ["state"],
      registers,
      async collect() {
        const c = await counts();
        if (c) for (const state of STATES) this.set({ state }, c[state]);
      },
    });
    new Gauge({
      name: "aurea_queue_workers",
      help: "Workers connected to the run queue.",
      registers,
      async collect() {
        const c = await counts();
        if (c) this.set(c.workers);
      },
    });
    this.wait = new Histogram({
      name: "aurea_queue_wait_seconds",
      help: "Time from queueing a job to a worker starting it, seconds.",
      labelNames: ["job"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120],
      registers,
    });
    this.duration = new Histogram({
      name: "aurea_queue_job_duration_seconds",
      help: "Time a worker spent on a job, seconds.",
      labelNames: ["job", "outcome"],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.processed = new Counter({
      name: "aurea_queue_jobs_processed_total",
      help: "Jobs workers of this process finished, by outcome (failed: the job threw; a failed run is a completed job).",
      labelNames: ["job", "outcome"],
      registers,
    });
  }

  /** Reads queue depth and workers from `source` at each scrape. */
  watch(source: QueueCountsSource): void {
    this.#source = source;
  }

  /** Records one job a worker of this process ran. */
  observe(job: string, waitedMs: number, tookMs: number, outcome: "completed" | "failed"): void {
    this.wait.observe({ job }, Math.max(0, waitedMs) / 1000);
    this.duration.observe({ job, outcome }, tookMs / 1000);
    this.processed.inc({ job, outcome });
  }
}
