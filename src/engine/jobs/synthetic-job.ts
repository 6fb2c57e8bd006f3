import type { Clock, Timers } from "../clock/clock.js";
import { uniformAt } from "../random.js";
import type { SyntheticJobSpec } from "../spec/workload-spec.js";
import { DurationSampler } from "./distributions.js";
import { type Done, INTERRUPTED, type Job, type JobOutcome, PENDING, type Pending } from "./job.js";

export const SYNTHETIC_FAILURE = "synthetic_failure";

/**
 * The seed's synthetic job: waits (`sleep`) or computes (`cpu`) for a drawn duration and fails
 * with probability `failure_rate`. A class, so the hot path calls long-lived prototype methods
 * (optimized code that embeds a per-run closure is thrown away when that closure dies).
 */
class SyntheticJob implements Job {
  readonly #clock: Clock;
  readonly #seed: number;
  /** This executor runs part `offset` of `stride` parts: its job i is job i·stride + offset of the whole. */
  readonly #stride: number;
  readonly #offset: number;
  readonly #durations: DurationSampler;
  readonly #failureRate: number;
  readonly #cpu: boolean;
  readonly #timers: Timers;

  constructor(spec: SyntheticJobSpec, clock: Clock, seed: number, part: { index: number; of: number }) {
    this.#clock = clock;
    this.#seed = seed;
    this.#stride = part.of;
    this.#offset = part.index;
    this.#durations = new DurationSampler({
      distribution: spec.distribution,
      mean: spec.duration_ms,
      spread: spec.spread_ms,
    });
    this.#failureRate = spec.failure_rate;
    this.#cpu = spec.mode === "cpu";
    this.#timers = clock.createTimers({ precise: true });
  }

  run(index: number, done: Done, now: number): JobOutcome | Pending {
    const job = index * this.#stride + this.#offset;
    const durations = this.#durations;
    const ms = durations.random
      ? durations.at(uniformAt(this.#seed, job, 0), uniformAt(this.#seed, job, 1))
      : durations.at(0, 0);
    if (this.#cpu) {
      this.#clock.busyWait(ms);
      return this.#outcome(job);
    }
    // A zero-length job completes without a timer (a timer would take a millisecond).
    if (ms <= 0) return this.#outcome(job);
    this.#timers.schedule<JobOutcome>(ms, done, this.#outcome(job), INTERRUPTED, now);
    return PENDING;
  }

  interrupt(): void {
    this.#timers.cancelAll();
  }

  close(): void {
    this.#timers.cancelAll();
  }

  #outcome(job: number): JobOutcome {
    return this.#failureRate > 0 && uniformAt(this.#seed, job, 2) < this.#failureRate
      ? SYNTHETIC_FAILURE
      : undefined;
  }
}

/**
 * The synthetic job of a workload seeded with `seed`; `part` says which part of a partitioned
 * workload (threads, shards) this executor runs, so that its jobs draw as the whole's would.
 */
export function syntheticJob(
  spec: SyntheticJobSpec,
  {
    clock,
    seed,
    part = { index: 0, of: 1 },
  }: { clock: Clock; seed: number; part?: { index: number; of: number } },
): Job {
  return new SyntheticJob(spec, clock, seed, part);
}
