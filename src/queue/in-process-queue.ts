import type { QueueMetrics } from "../telemetry/queue-metrics.js";
import type { JobHandlers, JobQueue, QueueCounts, QueuedRun, RunHandler } from "./job-queue.js";

const JOB = "run.execute";

/** The embedded queue: runs execute in this process, at most `concurrency` at a time. */
export class InProcessQueue implements JobQueue {
  readonly kind = "in-process";
  readonly #concurrency: number;
  readonly #metrics: QueueMetrics | undefined;
  readonly #onError: (runId: number, error: unknown) => void;
  readonly #waiting: number[] = [];
  /** Waiting runs and when they were queued (a run is queued once until it starts). */
  readonly #queuedAt = new Map<number, number>();
  readonly #running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  #handler: RunHandler | undefined;
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
      workers: this.#handler && !this.#closing ? 1 : 0,
    };
  }

  /** Always up: it lives in this process. */
  async ping(): Promise<void> {}

  async enqueue(runs: readonly QueuedRun[]): Promise<void> {
    // Shutting down: the runs stay pending in the store, and the next start executes them.
    if (this.#closing) return;
    const now = performance.now();
    for (const { runId } of runs) {
      if (this.#queuedAt.has(runId) || this.#running.has(runId)) continue;
      this.#queuedAt.set(runId, now);
      this.#waiting.push(runId);
    }
    this.#pump();
  }

  start(handlers: JobHandlers): void {
    this.#handler = handlers.run;
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
    const handler = this.#handler;
    if (!handler || this.#closing) return;
    while (this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const runId = this.#waiting.shift()!;
      const queuedAt = this.#queuedAt.get(runId)!;
      this.#queuedAt.delete(runId);
      const controller = new AbortController();
      const done = (async () => {
        const started = performance.now();
        let outcome: "completed" | "failed" = "completed";
        try {
          await handler(runId, controller.signal);
          this.#completed++;
        } catch (error) {
          outcome = "failed";
          this.#failed++;
          this.#onError(runId, error);
        } finally {
          this.#metrics?.observe(JOB, started - queuedAt, performance.now() - started, outcome);
          this.#running.delete(runId);
          this.#pump();
        }
      })();
      this.#running.set(runId, { controller, done });
    }
  }
}
