import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { linkSignals } from "../engine/index.js";
import type { Logger } from "../telemetry/logger.js";
import type { QueueMetrics } from "../telemetry/queue-metrics.js";
import {
  JOB_CATALOG,
  type JobName,
  type JobPayload,
  runJobId,
  schedulerId,
  shardJobId,
} from "./job-catalog.js";
import type { JobHandlers, JobQueue, QueueCounts, QueuedRun } from "./job-queue.js";

/** When a schedule ticks, as BullMQ's job schedulers take it. */
export type ScheduleRepeat = { pattern: string; tz: string } | { everyMs: number };

export interface BullMqQueueOptions {
  /** `redis://…` */
  url: string;
  /** Key prefix in Redis: processes sharing it share the queue (tests use their own). */
  prefix: string;
  /** Queue name under the prefix (default `runs`; shards have a queue of their own). */
  name?: string;
  /** Jobs this process's worker runs at once. */
  concurrency: number;
  logger: Logger;
  metrics?: QueueMetrics;
  /**
   * How long a worker's lock on a job lasts without renewal; a job whose lock expires is
   * "stalled" (its worker died) and BullMQ hands it out again.
   */
  lockDurationMs?: number;
  /** How long to wait for Redis at start. */
  connectTimeoutMs?: number;
}

export class QueueUnavailableError extends Error {
  override readonly name = "QueueUnavailableError";
}

/**
 * The queue on Redis (BullMQ): the API enqueues, any number of `aurea worker` processes (and
 * the API's own worker) execute. Runs are deduplicated by job id (`run-<id>-<attempt>`), and an
 * executor claims a run in the store before executing it, so a job delivered twice (a stalled
 * job handed out again) executes its run once.
 */
export class BullMqQueue implements JobQueue {
  readonly kind = "bullmq";
  readonly #options: BullMqQueueOptions;
  /**
   * Commands fail at once while Redis is away (no offline queue): a trigger must not hang on it.
   * No auto-pipelining: the run service already hands over each turn's triggers in one call, and
   * an ioredis pipeline costs ~25 µs to make (it copies each of BullMQ's ~64 scripts onto itself).
   */
  readonly #producer: Redis;
  readonly #queue: Queue;
  #worker: Worker | undefined;
  #workerConnection: Redis | undefined;
  readonly #running = new Map<string, AbortController>();
  #closing = false;

  private constructor(options: BullMqQueueOptions) {
    this.#options = options;
    this.#producer = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    // Reconnecting is ioredis's job; an error event without a listener would crash the process.
    this.#producer.on("error", () => {});
    this.#queue = new Queue(options.name ?? "runs", { connection: this.#producer, prefix: options.prefix });
    this.#queue.on("error", () => {});
  }

  /** Connects to Redis, or throws `QueueUnavailableError` naming the URL's host. */
  static async open(options: BullMqQueueOptions): Promise<BullMqQueue> {
    const queue = new BullMqQueue(options);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        queue.#queue.waitUntilReady(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      queue.#producer.disconnect();
      const host = new URL(options.url).host;
      const why = error instanceof Error ? error.message : String(error);
      throw new QueueUnavailableError(`cannot reach Redis at ${host} (REDIS_URL): ${why}`);
    } finally {
      clearTimeout(timer);
    }
    return queue;
  }

  async enqueue(runs: readonly QueuedRun[]): Promise<void> {
    if (this.#closing || runs.length === 0) return;
    await addRunJobs(this.#queue, runs);
  }

  /**
   * Creates or replaces the job scheduler of schedule `id`: BullMQ adds one `schedule.tick` job
   * per tick, whatever the number of processes calling this.
   */
  async upsertSchedule(id: number, repeat: ScheduleRepeat): Promise<void> {
    const policy = JOB_CATALOG["schedule.tick"];
    const opts =
      "pattern" in repeat
        ? { pattern: repeat.pattern, tz: repeat.tz }
        : // Ticks on multiples of the interval since the epoch, as the embedded scheduler does
          // (without a start date BullMQ would also fire at once).
          {
            every: repeat.everyMs,
            startDate: (Math.floor(Date.now() / repeat.everyMs) + 1) * repeat.everyMs,
          };
    await this.#queue.upsertJobScheduler(schedulerId(id), opts, {
      name: "schedule.tick" satisfies JobName,
      data: policy.payload.parse({ schedule_id: id }),
      opts: {
        attempts: policy.attempts,
        backoff: policy.backoff,
        removeOnComplete: { count: 100 },
        removeOnFail: { count: 100 },
      },
    });
  }

  async removeSchedule(id: number): Promise<void> {
    await this.#queue.removeJobScheduler(schedulerId(id));
  }

  /** Ids of the schedules that have a job scheduler. */
  async scheduleIds(): Promise<number[]> {
    const schedulers = await this.#queue.getJobSchedulers(0, -1);
    return schedulers
      .map((s) => /^schedule-(\d+)$/.exec(s.key)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number);
  }

  start(handlers: JobHandlers): void {
    if (this.#worker) return;
    const { url, prefix, concurrency, logger, metrics } = this.#options;
    // Workers block on Redis: BullMQ requires unlimited retries on their connection.
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    connection.on("error", () => {});
    this.#workerConnection = connection;
    this.#worker = new Worker(
      this.#queue.name,
      (job, _token, signal) => this.#process(job, handlers, signal),
      {
        connection,
        prefix,
        concurrency,
        lockDuration: this.#options.lockDurationMs ?? 30_000,
        maxStalledCount: 1,
        name: `aurea-${process.pid}`,
      },
    );
    this.#worker.on("error", (error) => logger.warn({ err: error }, "queue worker: Redis error; retrying"));
    this.#worker.on("failed", (job, error) => {
      if (job && metrics && job.finishedOn) {
        const started = job.processedOn ?? job.finishedOn;
        metrics.observe(job.name, started - dueAt(job), job.finishedOn - started, "failed");
      }
      logger.warn({ err: error, job: job?.id }, "queue job failed");
    });
  }

  async #process(job: Job, handlers: JobHandlers, signal: AbortSignal | undefined): Promise<void> {
    const name = job.name as JobName;
    const started = Date.now();
    const id = job.id ?? `${name}-${started}`;
    const controller = new AbortController();
    this.#running.set(id, controller);
    const linked = signal ? linkSignals([controller.signal, signal]) : undefined;
    try {
      const abort = linked?.signal ?? controller.signal;
      if (name === "run.execute" && handlers.run) {
        const payload = parsePayload(job, name);
        await handlers.run(payload.run_id, abort);
      } else if (name === "run.shard" && handlers.shard) {
        const payload = parsePayload(job, name);
        await handlers.shard(payload.run_id, payload.attempt, payload.shard, abort);
      } else if (name === "schedule.tick" && handlers.scheduleTick) {
        const payload = parsePayload(job, name);
        await handlers.scheduleTick(payload.schedule_id, tickOf(job));
      } else {
        throw new UnrecoverableError(`no handler for job ${job.name}`);
      }
      this.#options.metrics?.observe(name, started - dueAt(job), Date.now() - started, "completed");
    } finally {
      linked?.unlink();
      this.#running.delete(id);
    }
  }

  async counts(): Promise<QueueCounts> {
    const [c, workers] = await Promise.all([
      this.#queue.getJobCounts("waiting", "active", "delayed", "completed", "failed"),
      this.#queue.getWorkersCount(),
    ]);
    return {
      waiting: c.waiting ?? 0,
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      workers,
    };
  }

  async ping(): Promise<void> {
    await this.#producer.ping();
  }

  async close(graceMs: number): Promise<void> {
    this.#closing = true;
    const worker = this.#worker;
    if (worker) {
      // Stops taking jobs and waits for the running ones, up to the grace period; then aborts
      // them (their runs are recorded as interrupted) and waits for that.
      const closed = worker.close();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace_over">((resolve) => {
        timer = setTimeout(() => resolve("grace_over"), graceMs);
      });
      if ((await Promise.race([closed.then(() => "closed" as const), graceOver])) === "grace_over") {
        for (const controller of this.#running.values()) controller.abort();
      }
      clearTimeout(timer);
      await closed.catch(() => {});
      this.#workerConnection?.disconnect();
    }
    await this.#queue.close().catch(() => {});
    this.#producer.disconnect();
  }
}

/**
 * The BullMQ job of a queued run (or of one of its shards): name, payload, id and delivery
 * policy, as the catalog says. Exported for the bench's bare-BullMQ reference, which adds the
 * same jobs.
 */
/**
 * Adds the jobs of `runs` to `queue`: one run (what a trigger usually is) is one script call,
 * more are one pipeline (`addBulk`), as the producer's connection does not auto-pipeline.
 */
export async function addRunJobs(queue: Queue, runs: readonly QueuedRun[]): Promise<void> {
  const [only] = runs;
  if (runs.length === 1 && only) {
    const job = runJob(only);
    await queue.add(job.name, job.data, job.opts);
  } else if (runs.length > 1) await queue.addBulk(runs.map(runJob));
}

export function runJob({ runId, attempt, shard }: QueuedRun) {
  const name: JobName = shard === undefined ? "run.execute" : "run.shard";
  const policy = JOB_CATALOG[name];
  return {
    name,
    data:
      shard === undefined
        ? JOB_CATALOG["run.execute"].payload.parse({ run_id: runId, attempt })
        : JOB_CATALOG["run.shard"].payload.parse({ run_id: runId, attempt, shard }),
    opts: {
      jobId: shard === undefined ? runJobId(runId, attempt) : shardJobId(runId, attempt, shard),
      attempts: policy.attempts,
      backoff: policy.backoff,
      // Kept for inspection; a failed job is removed, so that the run (still pending) can be
      // queued again under the same id once the store is back.
      removeOnComplete: { count: 1000 },
      removeOnFail: true,
    },
  };
}

function parsePayload<N extends JobName>(job: Job, name: N) {
  const parsed = JOB_CATALOG[name].payload.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`job ${job.id}: invalid payload: ${parsed.error.message}`);
  return parsed.data as JobPayload<N>;
}

/** The tick a scheduler's job stands for: its id ends with the tick's epoch milliseconds. */
function tickOf(job: Job): Date {
  const millis = /:(\d+)$/.exec(job.id ?? "")?.[1];
  return new Date(millis ? Number(millis) : dueAt(job));
}

/** When a job became ready to run: when it was added, plus its delay (a scheduler's tick). */
function dueAt(job: Job): number {
  return job.timestamp + (job.delay ?? 0);
}
