import { RUN_STATUSES } from "../../../src/contracts/run-constants.js";
import { count } from "../format.js";

/** Runs per status as horizontal bars, longest = full width. */
export function StatusBars({ byStatus }: { byStatus: Record<string, number> }) {
  const max = Math.max(1, ...RUN_STATUSES.map((s) => byStatus[s] ?? 0));
  return (
    <ul className="status-bars" aria-label="Runs per status">
      {RUN_STATUSES.map((status) => {
        const n = byStatus[status] ?? 0;
        return (
          <li key={status}>
            <span className="status-bars-label">{status}</span>
            <span className="status-bars-track" aria-hidden="true">
              {n > 0 && (
                <span className={`status-bars-bar bar-${status}`} style={{ width: `${(n / max) * 100}%` }} />
              )}
            </span>
            <span className="status-bars-value">{count(n)}</span>
          </li>
        );
      })}
    </ul>
  );
}
