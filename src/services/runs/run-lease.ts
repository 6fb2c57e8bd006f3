import type { RunsRepo } from "../../store/runs-repo.js";

/**
 * How often an executor renews its run's lease in the store, which also tells it whether a
 * cancellation was requested elsewhere (another API process): so cancelling takes under a second.
 */
const HEARTBEAT_MS = 500;

/**
 * Renews attempt `attempt`'s lease on run `runId` until the returned function is called.
 * `onCancel`: a cancellation was requested; `onLost`: the run is no longer this attempt's
 * (finished, or reaped after a missed lease and re-run). A store that does not answer is
 * retried at the next beat.
 */
export function keepLease(
  runs: RunsRepo,
  runId: number,
  attempt: number,
  { onCancel, onLost }: { onCancel: () => void; onLost: () => void },
): () => void {
  const timer = setInterval(() => {
    runs.heartbeat(runId, attempt).then(
      (lease) => {
        if (!lease) onLost();
        else if (lease.cancelRequested) onCancel();
      },
      () => {},
    );
  }, HEARTBEAT_MS);
  return () => clearInterval(timer);
}
