import type { RecommendReport } from "../api/types.js";
import { count } from "../format.js";

const SHOWN_PROBLEMS = 20;

/** Series that got no recommendation and CSV rows that were skipped: a partial result says why. */
export function ReportIssues({ report }: { report: RecommendReport }) {
  const { errors, problems } = report;
  if (errors.length === 0 && problems.length === 0) return null;
  return (
    <div className="panel rs-issues" role="alert" data-testid="rs-issues">
      {errors.length > 0 && (
        <>
          <h3>{count(errors.length)} series without a recommendation</h3>
          <ul data-field="errors">
            {errors.map((e) => (
              <li key={`${e.name}-${e.resource}`}>
                <strong>{e.name}</strong> ({e.resource}): {e.message}
              </li>
            ))}
          </ul>
        </>
      )}
      {problems.length > 0 && (
        <>
          <h3>{count(problems.length)} CSV rows skipped</h3>
          <ul data-field="problems">
            {problems.slice(0, SHOWN_PROBLEMS).map((p) => (
              <li key={p.line}>
                line {p.line}: {p.reason}
              </li>
            ))}
            {problems.length > SHOWN_PROBLEMS && (
              <li className="muted">
                and {count(problems.length - SHOWN_PROBLEMS)} more (in the JSON export)
              </li>
            )}
          </ul>
        </>
      )}
    </div>
  );
}
