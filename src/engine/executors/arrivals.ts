import type { Profile } from "./profile.js";

/**
 * When each job of an open model is meant to start: job `i` at `intendedStart(i)` ms from the
 * start of the run, non-decreasing in `i`. A schedule is a function rather than a queue, so a
 * backlog behind a stalled target costs no memory.
 */
export interface ArrivalSchedule {
  /** Number of jobs the schedule holds. */
  readonly total: number;
  intendedStart(i: number): number;
}

/** `rate` jobs per second for `duration` ms: job i at i/rate. */
export function constantArrivals(rate: number, duration: number): ArrivalSchedule {
  const perMs = rate / 1000;
  return {
    total: Math.floor(perMs * duration + 1e-9),
    intendedStart: (i) => i / perMs,
  };
}

/**
 * A rate ramping linearly between stage targets (jobs/s), as k6's ramping-arrival-rate: job i
 * starts when the cumulative number of arrivals reaches i.
 */
export function rampingArrivals(profile: Profile): ArrivalSchedule {
  // The profile is in jobs/s over ms; its integral is in jobs·ms/s.
  return {
    total: Math.floor(profile.integralTo(profile.duration) / 1000 + 1e-9),
    intendedStart: (i) => profile.timeForIntegral(i * 1000),
  };
}
