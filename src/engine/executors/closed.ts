import { type JobOutcome, PENDING } from "../jobs/job.js";
import { type Execution, Slot, type SlotOwner } from "./execution.js";

export interface ClosedPlan {
  /** Jobs to run in all (`Infinity` when bounded by time only). */
  jobs: number;
  concurrency: number;
  /** Stop starting jobs this many ms after the start (`Infinity` when bounded by count only). */
  duration: number;
}

/**
 * The closed model: `concurrency` workers each run one job after another until `jobs` have
 * started or time is up. Latency is service time, as for any closed-loop generator.
 *
 * The workers are allocated now, before the run's clock starts (as k6 initialises its VUs
 * before the test), and started by the returned function at `origin`.
 */
export function prepareClosed(ex: Execution, plan: ClosedPlan): (origin: number) => Promise<void> {
  const claims = new ClosedClaims(plan.jobs);
  const pool = new WorkerPool(ex, claims);
  const slots = pool.allocate(Math.min(plan.concurrency, plan.jobs));
  return (origin) => {
    claims.endAt = origin + plan.duration;
    for (const slot of slots) pool.startSlot(slot);
    return pool.whenAllStopped();
  };
}

/** Hands out job indexes to closed-loop workers. */
export interface Claims {
  /** The index of worker `id`'s next job at time `now`, or -1 when it should stop. */
  claim(id: number, now: number): number;
  /** Worker `id` stopped. */
  stopped?(id: number): void;
}

/** `jobs` jobs, none started after `endAt` (monotonic ms). */
class ClosedClaims implements Claims {
  #next = 0;
  readonly #jobs: number;
  endAt = Number.POSITIVE_INFINITY;

  constructor(jobs: number) {
    this.#jobs = jobs;
  }

  claim(_id: number, now: number): number {
    return this.#next < this.#jobs && now < this.endAt ? this.#next++ : -1;
  }
}

/**
 * Closed-loop workers. Each is one slot that asks `claims` for the index of its next job (or -1
 * to stop) and runs jobs back to back.
 */
export class WorkerPool implements SlotOwner {
  readonly #ex: Execution;
  readonly #claims: Claims;
  #running = 0;
  #allStopped: (() => void) | undefined;

  constructor(ex: Execution, claims: Claims) {
    this.#ex = ex;
    this.#claims = claims;
  }

  get running(): number {
    return this.#running;
  }

  start(id: number): void {
    this.startSlot(new Slot(id, this));
  }

  /** Slots for workers `0..count-1`, to start later with `startSlot`. */
  allocate(count: number): Slot[] {
    const slots = new Array<Slot>(count);
    for (let id = 0; id < count; id++) slots[id] = new Slot(id, this);
    return slots;
  }

  startSlot(slot: Slot): void {
    this.#running++;
    this.#advance(slot);
  }

  whenAllStopped(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#allStopped = resolve;
    });
  }

  onDone(slot: Slot, outcome: JobOutcome): void {
    const end = this.#ex.finish(slot, outcome);
    // Closed loop: the next job starts when this one ended.
    if (!this.#ex.shouldYield(end, slot)) this.#advance(slot, end);
  }

  onResume(slot: Slot): void {
    this.#advance(slot);
  }

  /** Runs jobs in `slot` until one is pending, the run should yield, or there is no more work. */
  #advance(slot: Slot, first?: number): void {
    const ex = this.#ex;
    for (let at = first; ; ) {
      const now = at ?? ex.clock.now();
      at = undefined;
      const index = ex.stopped ? -1 : this.#claims.claim(slot.id, now);
      if (index < 0) {
        this.#stop(slot.id);
        return;
      }
      slot.index = index;
      slot.intended = now;
      slot.start = now;
      const outcome = ex.begin(slot);
      if (outcome === PENDING) return;
      const end = ex.finish(slot, outcome);
      if (ex.shouldYield(end, slot)) return;
      at = end;
    }
  }

  #stop(id: number): void {
    this.#claims.stopped?.(id);
    if (--this.#running === 0 && this.#allStopped) {
      const allStopped = this.#allStopped;
      this.#allStopped = undefined;
      allStopped();
    }
  }
}
