import type { QueueCounts } from "../telemetry/queue-metrics.js";

export type { QueueCounts };

/** Executes one run; `signal` aborts when the queue shuts down past its grace period. */
export type RunHandler = (runId: number, signal: AbortSignal) => Promise<void>;

/** What a worker does with each kind of job. */
export interface JobHandlers {
  run?: RunHandler;
  /** Executes shard `shard` of attempt `attempt` of a sharded run. */
  shard?: (runId: number, attempt: number, shard: number, signal: AbortSignal) => Promise<void>;
  /** A schedule's tick (queues with their own scheduler only: BullMQ's job schedulers). */
  scheduleTick?: (scheduleId: number, tick: Date) => Promise<void>;
}

/** A run to execute: its id and the attempts it had when queued (which names the queue job). */
export interface QueuedRun {
  runId: number;
  attempt: number;
  /** A shard of the run (a `run.shard` job) rather than the run itself. */
  shard?: number;
}

/**
 * Where triggered runs wait for an executor. The store is the source of truth (a run is
 * `pending` there before it is enqueued), so a queue that loses its contents loses no run: the
 * run supervisor enqueues pending runs again, and executing one twice is harmless because an
 * executor must first claim it (pending → running) in the store.
 */
export interface JobQueue {
  readonly kind: "in-process" | "bullmq";
  /** Adds runs; resolves once they are accepted (not when they ran). Adding a queued run again is a no-op. */
  enqueue(runs: readonly QueuedRun[]): Promise<void>;
  /** Starts executing queued jobs in this process. */
  start(handlers: JobHandlers): void;
  /** Job counts (for metrics and the API). */
  counts(): Promise<QueueCounts>;
  /** Throws when the queue's backend does not answer (readiness). */
  ping(): Promise<void>;
  /**
   * Stops taking runs, lets running ones finish for `graceMs`, then aborts them and waits
   * for their handlers to record the interruption; closes connections.
   */
  close(graceMs: number): Promise<void>;
}
