import type { Clock, Timers, TimersOptions } from "./clock.js";
import { DeadlineQueue } from "./deadline-queue.js";

/** Below this many milliseconds before a deadline, precise timers poll instead of arming a timer. */
const SPIN_WINDOW_MS = 1.2;

/**
 * Timers on the system clock with one Node.js timer per group, however many are pending: tens
 * of thousands of parallel sleeps cost a few array slots each, not a timer object each.
 */
class SystemTimers implements Timers {
  readonly #queue = new DeadlineQueue();
  readonly #precise: boolean;
  #timer: NodeJS.Timeout | undefined;
  #timerDeadline = Number.POSITIVE_INFINITY;
  #polling = false;

  constructor(precise: boolean) {
    this.#precise = precise;
  }

  get pending(): number {
    return this.#queue.size;
  }

  schedule<T>(ms: number, callback: (value: T) => void, value: T, cancelled: T, from?: number): void {
    const deadline = (from ?? performance.now()) + ms;
    this.#queue.push(deadline, callback as (value: unknown) => void, value, cancelled);
    if (deadline < this.#timerDeadline && !this.#polling) this.#arm();
  }

  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => this.schedule(ms, resolve, true, false));
  }

  cancelAll(): void {
    this.#disarm();
    this.#queue.cancelAll();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
    this.#polling = false;
    const now = performance.now();
    // Coarse timers accept Node's millisecond timer granularity.
    this.#queue.fireUntil(this.#precise ? now : now + 1);
    if (this.#queue.size > 0 && !this.#polling && this.#timer === undefined) this.#arm();
  };

  #arm(): void {
    const deadline = this.#queue.peekDeadline();
    const delta = deadline - performance.now();
    if (this.#precise && delta <= SPIN_WINDOW_MS) {
      this.#disarm();
      this.#polling = true;
      setImmediate(this.#fire);
      return;
    }
    if (deadline >= this.#timerDeadline) return;
    this.#disarm();
    this.#timerDeadline = deadline;
    const wait = this.#precise ? delta - SPIN_WINDOW_MS : delta;
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.floor(wait)));
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
  }
}

export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  wallTime: () => performance.timeOrigin + performance.now(),
  createTimers: ({ precise = false }: TimersOptions = {}) => new SystemTimers(precise),
  busyWait(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // Deliberately burning CPU: this is the "cpu" synthetic job mode.
    }
  },
  afterEventLoopTurn: (callback: () => void) => {
    setImmediate(callback);
  },
});
