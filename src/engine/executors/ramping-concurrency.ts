import { WorkerPool } from "./closed.js";
import type { Execution } from "./execution.js";
import type { Profile } from "./profile.js";

/** How often the number of workers is adjusted to the profile. */
const ADJUST_EVERY_MS = 100;

/**
 * Closed model with a concurrency that follows stages, as k6's ramping-vus: workers are added
 * as the target rises; when it falls, workers numbered at or above the target finish their
 * current job and leave.
 */
export async function runRampingConcurrency(ex: Execution, profile: Profile): Promise<void> {
  const origin = ex.origin;
  const endAt = origin + profile.duration;
  const peak = Math.max(0, ...profile.stages.map((s) => s.target), Math.round(profile.valueAt(0)));
  const alive = new Uint8Array(peak + 1);
  let desired = 0;
  let next = 0;
  const pool = new WorkerPool(ex, {
    claim: (id, now) => (id < desired && now < endAt ? next++ : -1),
    stopped: (id) => {
      alive[id] = 0;
    },
  });

  while (!ex.stopped && ex.clock.now() < endAt) {
    desired = Math.min(peak, Math.round(profile.valueAt(ex.clock.now() - origin)));
    if (pool.running < desired) {
      for (let id = 0; id < desired; id++) {
        if (alive[id] === 1) continue;
        alive[id] = 1;
        pool.start(id);
      }
    }
    const wait = Math.min(ADJUST_EVERY_MS, endAt - ex.clock.now());
    if (wait > 0) await ex.sleep(wait);
  }
  ex.stopped = true;
  await pool.whenAllStopped();
}
