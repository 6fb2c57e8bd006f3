/** Executes one run; `signal` aborts when the queue shuts down past its grace period. */
export type RunHandler = (runId: number, signal: AbortSignal) => Promise<void>;

/**
 * Where triggered runs wait for an executor. The store is the source of truth (a run is
 * `pending` there before it is enqueued), so a queue that loses its contents in a crash loses
 * no run: recovery enqueues every pending run again, and executing one twice is harmless
 * because an executor must first claim it (pending → running) in the store.
 */
export interface JobQueue {
  /** Adds a run; resolves once it is accepted (not when it ran). */
  enqueue(runId: number): Promise<void>;
  /** Starts executing queued runs with `handler`. */
  start(handler: RunHandler): void;
  /** Runs executing now. */
  readonly active: number;
  /** Runs waiting. */
  readonly waiting: number;
  /**
   * Stops taking runs, lets running ones finish for `graceMs`, then aborts them and waits
   * for their handlers to record the interruption.
   */
  close(graceMs: number): Promise<void>;
}
