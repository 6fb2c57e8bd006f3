import { hostname } from "node:os";
import {
  type Clock,
  execute,
  linkSignals,
  mergeSnapshots,
  partitionSpec,
  type RunResult,
  type RunSnapshot,
  type SpecLimits,
  summarize,
  systemClock,
  type WorkloadSpec,
} from "../../engine/index.js";
import type { JobQueue } from "../../queue/index.js";
import type { RunsRepo } from "../../store/runs-repo.js";
import type { ShardRow, ShardsRepo } from "../../store/shards-repo.js";
import { type Logger, lazyChild } from "../../telemetry/logger.js";
import { type AutomationJobs, buildEngineSpec, engineOutcomes } from "./automation-job.js";
import { keepLease } from "./run-lease.js";
import { runSpecSnapshot } from "./run-spec-snapshot.js";

/** Shards start together this long after the coordinator queues them (time to be picked up). */
const START_DELAY_MS = 1000;
const POLL_MS = 100;
/** After the run was stopped, how long the coordinator waits for shards to report what they measured. */
const STOP_WAIT_MS = 3000;
const EXECUTOR = `${hostname()}:${process.pid}`;

/** What a shard stores for its coordinator. */
interface ShardResult {
  snapshot: RunSnapshot;
  extra_cost: number;
  sample: unknown;
}

/** What the coordinator of a sharded run measured, merged. */
export interface ShardedMeasurement {
  result: RunResult;
  outcomes: Record<string, number>;
  sample: unknown;
  /** The first failed shard and why, if any failed. */
  failure: string | undefined;
}

class ShardFailedError extends Error {
  override readonly name = "ShardFailedError";
  readonly code = "shard_failed";
}

export interface ShardExecutorDeps {
  runs: RunsRepo;
  shards: ShardsRepo;
  /** Where shard jobs go: a queue of their own, so coordinators waiting on shards never take every slot. */
  queue: JobQueue;
  jobs: AutomationJobs;
  limits: SpecLimits;
  logger: Logger;
  clock?: Clock;
}

/**
 * Sharded runs: the run's executor becomes its coordinator — it queues one job per shard (each a
 * part of the load, as `partitionSpec` divides it for threads), waits for them while keeping the
 * run's lease, and merges their mergeable snapshots exactly (HDR histograms added, timelines
 * summed). Any worker may execute a shard; a shard stops when its run stops.
 */
export class ShardExecutor {
  readonly #d: ShardExecutorDeps;

  constructor(deps: ShardExecutorDeps) {
    this.#d = deps;
  }

  async coordinate(
    runId: number,
    attempt: number,
    spec: WorkloadSpec,
    count: number,
    stop: AbortSignal,
  ): Promise<ShardedMeasurement> {
    const startAt = new Date(Date.now() + START_DELAY_MS);
    await this.#d.shards.create(runId, attempt, count, startAt);
    await this.#d.queue.enqueue(Array.from({ length: count }, (_, shard) => ({ runId, attempt, shard })));
    // Past the longest run the server accepts (plus the start and a lease), a shard that has not
    // reported never will.
    const deadline = startAt.getTime() + this.#d.limits.maxRunDurationMs + 60_000;
    let stoppedAt: number | undefined;
    let rows: ShardRow[];
    for (;;) {
      rows = await this.#d.shards.list(runId, attempt);
      if (rows.every((r) => r.status === "completed" || r.status === "failed")) break;
      if (stop.aborted) stoppedAt ??= Date.now();
      if (Date.now() > deadline || (stoppedAt !== undefined && Date.now() - stoppedAt > STOP_WAIT_MS)) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const completed = rows.filter((r) => r.status === "completed" && r.result);
    const failed = rows.filter((r) => r.status !== "completed");
    const failure = failed[0]
      ? `shard ${failed[0].shard} of ${count}: ${failed[0].error ?? `still ${failed[0].status} when the run ended`}`
      : undefined;
    if (completed.length === 0) throw new ShardFailedError(failure ?? "no shard finished");
    const parts = completed.map((r) => r.result as unknown as ShardResult);
    const merged = mergeSnapshots(parts.map((p) => p.snapshot));
    const extraCost = parts.reduce((sum, p) => sum + p.extra_cost, 0);
    const result = summarize(merged, { cost: spec.cost, thresholds: spec.thresholds, extraCost });
    return {
      result,
      outcomes: engineOutcomes(result),
      sample: parts.find((p) => p.sample !== null)?.sample ?? null,
      failure,
    };
  }

  /** Executes one shard (a `run.shard` job); a shard already taken or finished is left alone. */
  async execute(runId: number, attempt: number, shard: number, shutdown: AbortSignal): Promise<void> {
    const { runs, shards, logger } = this.#d;
    const claimed = await shards.claim(runId, attempt, shard, EXECUTOR);
    if (!claimed) return;
    const log = lazyChild(logger, { run_id: runId, attempt, shard });
    const stop = new AbortController();
    const { signal, unlink } = linkSignals([stop.signal, shutdown]);
    // The run's lease says whether the run still wants this shard (cancelled, or taken over).
    const stopLease = keepLease(runs, runId, attempt, {
      onCancel: () => stop.abort(),
      onLost: () => stop.abort(),
    });
    try {
      const run = await runs.get(runId);
      if (run?.status !== "running" || run.attempts !== attempt)
        throw new Error("the run is no longer running this attempt");
      const snapshot = runSpecSnapshot.parse(run.spec);
      const part = partitionSpec(buildEngineSpec(snapshot, this.#d.limits), snapshot.shards)[shard];
      if (!part) throw new Error(`the run has ${snapshot.shards} shards, not ${shard + 1}`);
      const built = await this.#d.jobs.build(snapshot, part);
      try {
        await sleepUntil(claimed.startAt.getTime(), signal);
        const measured = await execute(part, built.job, {
          clock: this.#d.clock ?? systemClock,
          signal,
          mergeable: true,
        });
        const result: ShardResult = {
          snapshot: measured,
          extra_cost: built.extraCost(),
          sample: built.sample(),
        };
        await shards.finish(runId, attempt, shard, {
          status: "completed",
          result: result as unknown as Record<string, unknown>,
        });
        log.info({ jobs: measured.total }, "shard finished");
      } finally {
        await built.close();
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, "shard failed");
      await shards.finish(runId, attempt, shard, { status: "failed", error: message.slice(0, 2000) });
    } finally {
      stopLease();
      unlink();
    }
  }
}

function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
