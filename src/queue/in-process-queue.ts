import type { JobQueue, RunHandler } from "./job-queue.js";

/** The embedded queue: runs execute in this process, at most `concurrency` at a time. */
export class InProcessQueue implements JobQueue {
  readonly #concurrency: number;
  readonly #waiting: number[] = [];
  readonly #queued = new Set<number>();
  readonly #running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  #handler: RunHandler | undefined;
  #closing = false;
  readonly #onError: (runId: number, error: unknown) => void;

  constructor({
    concurrency = 2,
    onError = () => {},
  }: { concurrency?: number; onError?: (runId: number, error: unknown) => void } = {}) {
    this.#concurrency = concurrency;
    this.#onError = onError;
  }

  get active(): number {
    return this.#running.size;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async enqueue(runId: number): Promise<void> {
    // Shutting down: the run stays pending in the store, and the next start executes it.
    if (this.#closing) return;
    if (this.#queued.has(runId) || this.#running.has(runId)) return;
    this.#queued.add(runId);
    this.#waiting.push(runId);
    this.#pump();
  }

  start(handler: RunHandler): void {
    this.#handler = handler;
    this.#pump();
  }

  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    this.#waiting.length = 0;
    this.#queued.clear();
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
      this.#queued.delete(runId);
      const controller = new AbortController();
      const done = (async () => {
        try {
          await handler(runId, controller.signal);
        } catch (error) {
          this.#onError(runId, error);
        } finally {
          this.#running.delete(runId);
          this.#pump();
        }
      })();
      this.#running.set(runId, { controller, done });
    }
  }
}
