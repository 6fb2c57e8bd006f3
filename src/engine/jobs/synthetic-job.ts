import type { Clock, Timers } from "../clock/clock.js";
import type { Random } from "../random.js";
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
  readonly #random: Random;
  readonly #durations: DurationSampler;
  readonly #failureRate: number;
  readonly #cpu: boolean;
  readonly #timers: Timers;

  constructor(spec: SyntheticJobSpec, clock: Clock, random: Random) {
    this.#clock = clock;
    this.#random = random;
    this.#durations = new DurationSampler(
      { distribution: spec.distribution, mean: spec.duration_ms, spread: spec.spread_ms },
      random,
    );
    this.#failureRate = spec.failure_rate;
    this.#cpu = spec.mode === "cpu";
    this.#timers = clock.createTimers({ precise: true });
  }

  run(_index: number, done: Done, now: number): JobOutcome | Pending {
    const ms = this.#durations.next();
    if (this.#cpu) {
      this.#clock.busyWait(ms);
      return this.#outcome();
    }
    // A zero-length job completes without a timer (a timer would take a millisecond).
    if (ms <= 0) return this.#outcome();
    this.#timers.schedule<JobOutcome>(ms, done, this.#outcome(), INTERRUPTED, now);
    return PENDING;
  }

  interrupt(): void {
    this.#timers.cancelAll();
  }

  close(): void {
    this.#timers.cancelAll();
  }

  #outcome(): JobOutcome {
    return this.#failureRate > 0 && this.#random.next() < this.#failureRate ? SYNTHETIC_FAILURE : undefined;
  }
}

export function syntheticJob(
  spec: SyntheticJobSpec,
  { clock, random }: { clock: Clock; random: Random },
): Job {
  return new SyntheticJob(spec, clock, random);
}
