import { type JobOutcome, PENDING } from "../jobs/job.js";
import type { ArrivalSchedule } from "./arrivals.js";
import { type Execution, Slot, type SlotOwner } from "./execution.js";

export interface OpenPlan {
  schedule: ArrivalSchedule;
  /** Most jobs in flight; arrivals beyond wait for a slot (and their wait counts as latency). */
  maxInFlight: number;
}

/**
 * The open model: jobs start on a schedule, whether or not earlier ones have finished. Each
 * job's latency is measured from its intended start time, so a target that stalls shows up as
 * the queueing delay it really causes (the coordinated-omission correction wrk2 makes).
 */
export function runOpen(ex: Execution, plan: OpenPlan): Promise<void> {
  return new OpenExecutor(ex, plan).run();
}

class OpenExecutor implements SlotOwner {
  readonly #ex: Execution;
  readonly #schedule: ArrivalSchedule;
  readonly #maxInFlight: number;
  readonly #free: Slot[] = [];
  #launched = 0;
  #timerArmed = false;
  #waitingForSlot = false;
  #finished = false;
  #resolve: () => void = () => {};

  constructor(ex: Execution, { schedule, maxInFlight }: OpenPlan) {
    this.#ex = ex;
    this.#schedule = schedule;
    this.#maxInFlight = maxInFlight;
  }

  run(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    this.#pump();
    return done;
  }

  onDone(slot: Slot, outcome: JobOutcome): void {
    this.#ex.finish(slot, outcome);
    this.#free.push(slot);
    if (this.#waitingForSlot) this.#pump();
  }

  // Open-model slots never park: the pump itself returns to the event loop between arrivals.
  onResume(): void {}

  #nextAt(): number {
    return this.#launched < this.#schedule.total
      ? this.#ex.origin + this.#schedule.intendedStart(this.#launched)
      : Number.POSITIVE_INFINITY;
  }

  #pump(): void {
    if (this.#finished) return;
    const ex = this.#ex;
    const now = ex.clock.now();
    let nextAt = this.#nextAt();
    while (nextAt <= now && ex.inFlight < this.#maxInFlight && !ex.stopped) {
      const slot = this.#free.pop() ?? new Slot(this.#launched, this);
      slot.index = this.#launched;
      slot.intended = nextAt;
      slot.start = now;
      const outcome = ex.begin(slot);
      if (outcome !== PENDING) {
        ex.finish(slot, outcome);
        this.#free.push(slot);
      }
      this.#launched++;
      nextAt = this.#nextAt();
    }
    if (ex.stopped || this.#launched >= this.#schedule.total) {
      this.#finished = true;
      this.#resolve();
      return;
    }
    // Either waiting for a free slot (a completion calls the pump) or for the next arrival.
    this.#waitingForSlot = nextAt <= now;
    if (!this.#waitingForSlot && !this.#timerArmed) {
      this.#timerArmed = true;
      void ex.sleep(nextAt - now).then(() => {
        this.#timerArmed = false;
        this.#pump();
      });
    }
  }
}
