import type { Clock, Timers } from "../clock/clock.js";
import { type Done, JOB_ERROR, type Job, type JobOutcome, PENDING } from "../jobs/job.js";
import type { Recorder } from "../stats/recorder.js";

/** How long a run may keep the event loop to itself before letting timers and I/O in. */
const YIELD_EVERY_MS = 10;

export interface Progress {
  elapsed_ms: number;
  /** Jobs started so far. */
  started: number;
  completed: number;
  failed: number;
  in_flight: number;
  /** Jobs the run will start in all, when known in advance. */
  expected_total: number | null;
}

/**
 * One job in flight: which job, when it was meant to start and when it did. A closed-model
 * worker is one slot reused for every job it runs; open models recycle slots. Starting a job
 * therefore allocates nothing.
 */
export class Slot {
  index = 0;
  intended = 0;
  start = 0;
  /** Set when `done` came before `run` returned (a contract breach we tolerate). */
  early: JobOutcome | typeof PENDING = PENDING;
  inRun = false;
  readonly id: number;
  readonly done: Done;
  readonly #owner: SlotOwner;

  constructor(id: number, owner: SlotOwner) {
    this.id = id;
    this.#owner = owner;
    this.done = (outcome) => {
      if (this.inRun) this.early = outcome;
      else owner.onDone(this, outcome);
    };
  }

  /** Continues after the event loop had a turn (see `Execution.shouldYield`). */
  resume(): void {
    this.#owner.onResume(this);
  }
}

/** What runs jobs in slots: told when a slot's job is done and when a parked slot may go on. */
export interface SlotOwner {
  onDone(slot: Slot, outcome: JobOutcome): void;
  onResume(slot: Slot): void;
}

/**
 * State shared by the executors of one run: the job, the recorder, in-flight accounting,
 * stopping, yielding and cancellation. Executors decide *when* jobs start; this runs and
 * records them.
 */
export class Execution {
  readonly job: Job;
  readonly clock: Clock;
  /** Set by `open`, when the run's clock starts. */
  recorder!: Recorder;
  origin = 0;
  inFlight = 0;
  started = 0;
  /** Set when no new job may start (duration over, cancelled). */
  stopped = false;
  #yieldAt = 0;
  #parked: Slot[] = [];
  #idle: (() => void) | undefined;
  readonly #timers: Timers;

  /** Executors allocate against it before the run starts; `open` then starts the clock. */
  constructor(job: Job, clock: Clock) {
    this.job = job;
    this.clock = clock;
    this.#timers = clock.createTimers();
  }

  /** The run starts at `origin` (monotonic ms), measured into `recorder`. */
  open(origin: number, recorder: Recorder): void {
    this.origin = origin;
    this.recorder = recorder;
    this.#yieldAt = origin + YIELD_EVERY_MS;
  }

  /** A coarse timer for schedulers; cancelled when the run is interrupted or ends. */
  sleep(ms: number): Promise<boolean> {
    return this.#timers.sleep(ms);
  }

  /**
   * Starts job `slot.index` now. Returns its outcome when it finished at once (the caller then
   * calls `finish`), or `PENDING` when `slot.done` will be called. A job that throws is a
   * `job_error` failure: one broken job must not end the run.
   */
  begin(slot: Slot): JobOutcome | typeof PENDING {
    this.started++;
    this.inFlight++;
    slot.inRun = true;
    let result: JobOutcome | typeof PENDING;
    try {
      result = this.job.run(slot.index, slot.done, slot.start);
    } catch {
      result = JOB_ERROR;
    }
    slot.inRun = false;
    if (result === PENDING && slot.early !== PENDING) {
      result = slot.early;
      slot.early = PENDING;
    }
    return result;
  }

  /** Records the job in `slot` as ending now; returns now. */
  finish(slot: Slot, outcome: JobOutcome): number {
    const end = this.clock.now();
    this.inFlight--;
    this.recorder.recordScheduled(slot.index, slot.intended, slot.start, end, outcome);
    if (this.inFlight === 0 && this.#idle) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle();
    }
    return end;
  }

  /**
   * True when the run has had the thread for a while and should let the event loop turn;
   * `slot.resume()` is then called after the turn. Jobs that finish synchronously (or on
   * microtasks) would otherwise starve timers and I/O.
   */
  shouldYield(now: number, slot: Slot): boolean {
    if (now < this.#yieldAt) return false;
    this.#parked.push(slot);
    if (this.#parked.length === 1) this.clock.afterEventLoopTurn(this.#unpark);
    return true;
  }

  readonly #unpark = (): void => {
    const parked = this.#parked;
    this.#parked = [];
    this.#yieldAt = this.clock.now() + YIELD_EVERY_MS;
    for (const slot of parked) slot.resume();
  };

  /** Resolves when no job is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  /** Stops new jobs, wakes the schedulers and makes in-flight jobs report as interrupted. */
  interrupt(): void {
    this.stopped = true;
    this.#timers.cancelAll();
    if (this.inFlight > 0) this.job.interrupt?.();
  }

  /** Cancels internal timers; call once the run is over. */
  dispose(): void {
    this.#timers.cancelAll();
  }

  progress(expectedTotal: number | null): Progress {
    const r = this.recorder;
    return {
      elapsed_ms: this.clock.now() - this.origin,
      started: this.started,
      completed: r.completed,
      failed: r.failed,
      in_flight: this.inFlight,
      expected_total: expectedTotal,
    };
  }
}
