import { useState } from "react";
import { ApiRequestError } from "../api/client.js";
import { useComparison, useScenarioRuns } from "../api/queries.js";
import type { RunView } from "../api/types.js";
import { ErrorState, Loading } from "../components/states.js";
import { delta } from "../format.js";

const BASELINE = "baseline";

/** "Compare with…": another completed run of the scenario, or its pinned baseline. */
export function ComparePanel({
  run,
  baselineId,
  initial,
}: {
  run: RunView;
  baselineId: number | null;
  initial: number | null;
}) {
  const [choice, setChoice] = useState<string>(initial !== null ? String(initial) : "");
  const candidates = useScenarioRuns(run.scenario_id);
  const against = choice === BASELINE ? null : choice ? Number(choice) : null;
  const comparison = useComparison(run.id, against, choice !== "");
  const others = (candidates.data?.items ?? []).filter((r) => r.id !== run.id);
  return (
    <section className="panel" aria-labelledby="compare-heading">
      <h2 id="compare-heading">Compare</h2>
      <label className="inline-field">
        Compare with…
        <select value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="">Choose a run</option>
          {baselineId !== null && baselineId !== run.id && (
            <option value={BASELINE}>the scenario's baseline (#{baselineId})</option>
          )}
          {others.map((r) => (
            <option key={r.id} value={r.id}>
              run #{r.id} · {new Date(r.created_at).toLocaleString()}
            </option>
          ))}
        </select>
      </label>
      {choice === "" ? null : comparison.isPending ? (
        <Loading label="Comparing…" />
      ) : comparison.error ? (
        comparison.error instanceof ApiRequestError && comparison.error.status === 422 ? (
          <p className="form-errors" role="alert">
            {comparison.error.message}
          </p>
        ) : (
          <ErrorState error={comparison.error} />
        )
      ) : (
        <div data-testid="comparison">
          <p>
            Against run #{comparison.data.baseline_id}:{" "}
            <span className={`badge verdict-${comparison.data.verdict}`}>
              {comparison.data.verdict.replace("_", " ")}
            </span>
          </p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Metric by metric comparison</caption>
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col" className="num">
                    Baseline
                  </th>
                  <th scope="col" className="num">
                    This run
                  </th>
                  <th scope="col" className="num">
                    Change
                  </th>
                  <th scope="col" className="num">
                    p
                  </th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {comparison.data.metrics.map((m) => (
                  <tr key={m.metric}>
                    <td data-label="Metric">{m.metric}</td>
                    <td className="num" data-label="Baseline">
                      {m.baseline === null ? "–" : Number(m.baseline.toPrecision(4))}
                    </td>
                    <td className="num" data-label="This run">
                      {m.current === null ? "–" : Number(m.current.toPrecision(4))}
                    </td>
                    <td className="num" data-label="Change">
                      {delta(m.delta_pct)}
                    </td>
                    <td className="num" data-label="p">
                      {m.p_value === null ? "–" : m.p_value.toPrecision(2)}
                    </td>
                    <td data-label="Verdict">
                      <span className={`badge verdict-${m.verdict}`}>{m.verdict.replace("_", " ")}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
