import { count, percent } from "../format.js";

/** Jobs by outcome (`succeeded`, `status_503`, `timeout`, …) as bars with their share. */
export function Outcomes({ outcomes }: { outcomes: Record<string, number> }) {
  const entries = Object.entries(outcomes).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return <p className="muted">No outcome recorded yet.</p>;
  return (
    <ul className="status-bars" aria-label="Jobs by outcome">
      {entries.map(([outcome, n]) => (
        <li key={outcome}>
          <span className="status-bars-label">{outcome}</span>
          <span className="status-bars-track" aria-hidden="true">
            <span
              className={`status-bars-bar ${outcome === "succeeded" ? "bar-completed" : "bar-failed"}`}
              style={{ width: `${(n / total) * 100}%` }}
            />
          </span>
          <span className="status-bars-value">
            {count(n)} ({percent(n / total)})
          </span>
        </li>
      ))}
    </ul>
  );
}
