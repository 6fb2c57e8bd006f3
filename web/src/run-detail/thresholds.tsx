import type { ThresholdVerdict } from "../../../src/engine/index.js";
import type { RunView } from "../api/types.js";
import { PassBadge } from "../components/status-badge.js";

/** Each threshold of the run with what was measured, pass or fail. */
export function Thresholds({ run }: { run: RunView }) {
  const verdicts = (run.result as { thresholds?: ThresholdVerdict[] } | null)?.thresholds ?? [];
  if (verdicts.length === 0) return <p className="muted">This scenario has no thresholds.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Thresholds</caption>
        <thead>
          <tr>
            <th scope="col">Threshold</th>
            <th scope="col" className="num">
              Measured
            </th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {verdicts.map((v) => (
            <tr key={v.expression}>
              <td data-label="Threshold">
                <code>{v.expression}</code>
              </td>
              <td className="num" data-label="Measured">
                {v.actual === null ? "–" : Number(v.actual.toPrecision(4))}
              </td>
              <td data-label="Result">
                <PassBadge pass={v.pass} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
