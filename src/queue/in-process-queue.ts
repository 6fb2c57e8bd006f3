import type { QueueMetrics } from "../telemetry/queue-metrics.js";
import type { JobHandlers, JobQueue, QueueCounts, QueuedRun } from "./job-queue.js";

/** A job's identity here: a run, or one shard of one attempt of a run. */
const keyOf = ({ runId, attempt, shard }: QueuedRun) =>
  shard === undefined ? `run-${runId}` : `shard-${runId}-${attempt}-${shard}`;

/** The embedded queue: runs execute in this process, at most `concurrency` at a time. */
export class InProcessQueue implements JobQueue {
  readonly kind = "in-process";
  readonly #concurrency: number;
  readonly #metrics: QueueMetrics | undefined;
  readonly #onError: (runId: number, error: unknown) => void;
  readonly #waiting: QueuedRun[] = [];
  /** Waiting jobs and when they were queued (a job is queued once until it starts). */
  readonly #queuedAt = new Map<string, number>();
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  #handlers: JobHandlers | undefined;
  #closing = false;
  #completed = 0;
  #failed = 0;

  constructor({
    concurrency = 2,
    metrics,
    onError = () => {},
  }: {
    concurrency?: number;
    metrics?: QueueMetrics;
    onError?: (runId: number, error: unknown) => void;
  } = {}) {
    this.#concurrency = concurrency;
    this.#metrics = metrics;
    this.#onError = onError;
  }

  async counts(): Promise<QueueCounts> {
    return {
      waiting: this.#waiting.length,
      active: this.#running.size,
      delayed: 0,
      completed: this.#completed,
      failed: this.#failed,
      workers: this.#handlers && !this.#closing ? 1 : 0,
    };
  }

  /** Always up: it lives in this process. */
  async ping(): Promise<void> {}

  async enqueue(runs: readonly QueuedRun[]): Promise<void> {
    // Shutting down: the runs stay pending in the store, and the next start executes them.
    if (this.#closing) return;
    const now = performance.now();
    for (const job of runs) {
      const key = keyOf(job);
      if (this.#queuedAt.has(key) || this.#running.has(key)) continue;
      this.#queuedAt.set(key, now);
      this.#waiting.push(job);
    }
    this.#pump();
  }

  start(handlers: JobHandlers): void {
    this.#handlers = handlers;
    this.#pump();
  }

  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    this.#waiting.length = 0;
    this.#queuedAt.clear();
    const all = () => Promise.all([...this.#running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"grace_over">((resolve) => {
      timer = setTimeout(() => resolve("grace_over"), graceMs);
    });
    const first = await Promise.race([all().then(() => "finished" as const), graceOver]);
    clearTimeout(timer);
    if (first === "grace_over") {
      for (const run of this.#running.values()) run.controller.abort();
      await all();
    }
  }

  #pump(): void {
    const handlers = this.#handlers;
    if (!handlers || this.#closing) return;
    while (this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift()!;
      const key = keyOf(job);
      const queuedAt = this.#queuedAt.get(key)!;
      this.#queuedAt.delete(key);
      const controller = new AbortController();
      const name = job.shard === undefined ? "run.execute" : "run.shard";
      const done = (async () => {
        const started = performance.now();
        let outcome: "completed" | "failed" = "completed";
        try {
          if (job.shard === undefined) await handlers.run?.(job.runId, controller.signal);
          else await handlers.shard?.(job.runId, job.attempt, job.shard, controller.signal);
          this.#completed++;
        } catch (error) {
          outcome = "failed";
          this.#failed++;
          this.#onError(job.runId, error);
        } finally {
          this.#metrics?.observe(name, started - queuedAt, performance.now() - started, outcome);
          this.#running.delete(key);
          this.#pump();
        }
      })();
      this.#running.set(key, { controller, done });
    }
  }
}
