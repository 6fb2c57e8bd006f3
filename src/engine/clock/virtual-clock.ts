import type { Clock, Timers } from "./clock.js";
import { DeadlineQueue } from "./deadline-queue.js";

/**
 * Deterministic time for tests. Time stands still while there is work to do and jumps to the
 * next deadline once every pending continuation has run (a macrotask later), so a workload of
 * 100 ms sleeps "takes" exactly 100 ms however slow the machine is.
 */
export class VirtualClock implements Clock {
  #now: number;
  readonly #epoch: number;
  readonly #groups = new Set<VirtualTimers>();
  #pumping = false;
  /** Event-loop turns in progress: time must not move while code merely lets the loop turn. */
  #turning = 0;

  constructor({ start = 0, epoch = Date.UTC(2026, 0, 1) }: { start?: number; epoch?: number } = {}) {
    this.#now = start;
    this.#epoch = epoch;
  }

  now(): number {
    return this.#now;
  }

  wallTime(): number {
    return this.#epoch + this.#now;
  }

  createTimers(): Timers {
    const timers = new VirtualTimers(this);
    this.#groups.add(timers);
    return timers;
  }

  busyWait(ms: number): void {
    this.#now += ms;
  }

  afterEventLoopTurn(callback: () => void): void {
    this.#turning++;
    setImmediate(() => {
      this.#turning--;
      callback();
    });
  }

  /** @internal a timer group has work: make sure time will move. */
  wake(): void {
    if (!this.#pumping) {
      this.#pumping = true;
      setImmediate(this.#pump);
    }
  }

  readonly #pump = (): void => {
    if (this.#turning > 0) {
      setImmediate(this.#pump);
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    for (const group of this.#groups) next = Math.min(next, group.queue.peekDeadline());
    if (next === Number.POSITIVE_INFINITY) {
      this.#pumping = false;
      return;
    }
    if (next > this.#now) this.#now = next;
    // Fire everything due at this instant, then let continuations run before moving on.
    for (const group of this.#groups) group.queue.fireUntil(this.#now);
    setImmediate(this.#pump);
  };
}

class VirtualTimers implements Timers {
  readonly queue = new DeadlineQueue();
  readonly #clock: VirtualClock;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  get pending(): number {
    return this.queue.size;
  }

  schedule<T>(ms: number, callback: (value: T) => void, value: T, cancelled: T, from?: number): void {
    this.queue.push(
      (from ?? this.#clock.now()) + Math.max(0, ms),
      callback as (value: unknown) => void,
      value,
      cancelled,
    );
    this.#clock.wake();
  }

  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => this.schedule(ms, resolve, true, false));
  }

  cancelAll(): void {
    this.queue.cancelAll();
  }
}
