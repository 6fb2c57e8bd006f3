import { useCancelRun, usePinBaseline } from "../api/queries.js";
import type { RunView } from "../api/types.js";

/** Cancel while the run is unfinished; pin a completed run as its scenario's baseline. */
export function RunActions({ run, baselineId }: { run: RunView; baselineId: number | null }) {
  const cancel = useCancelRun();
  const pin = usePinBaseline();
  const unfinished = run.status === "pending" || run.status === "running";
  const pinned = baselineId === run.id;
  return (
    <div className="actions">
      {unfinished && (
        <button
          type="button"
          className="danger"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate(run.id)}
        >
          {cancel.isPending ? "Cancelling…" : "Cancel run"}
        </button>
      )}
      {run.status === "completed" && run.scenario_id !== null && (
        <button
          type="button"
          disabled={pin.isPending}
          aria-pressed={pinned}
          onClick={() => pin.mutate({ scenarioId: run.scenario_id!, runId: pinned ? null : run.id })}
        >
          {pinned ? "Baseline (unpin)" : "Pin as baseline"}
        </button>
      )}
      {(cancel.error ?? pin.error) && (
        <span className="form-errors" role="alert">
          {(cancel.error ?? pin.error)!.message}
        </span>
      )}
    </div>
  );
}
