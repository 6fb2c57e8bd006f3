import type { ReactNode } from "react";
import type { Resource, ResourceEntry } from "../api/types.js";
import { percent, when } from "../format.js";
import type { Levels } from "./chart-data.js";
import { quantity, significant } from "./quantity.js";

const PART_LABELS: Record<string, string> = {
  sufficiency: "history × completeness",
  skill: "skill against seasonal naive",
  coverage: "backtest coverage",
  stability: "no recent level change",
  events: "no OOM kills or throttling",
};

/** A figure with its raw value on `data-value` (the browser test compares it with the API's). */
function Figure({
  label,
  field,
  value,
  children,
}: {
  label: string;
  field: string;
  value?: number | null;
  children: ReactNode;
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-field={field} data-value={value ?? undefined}>
        {children}
      </dd>
    </div>
  );
}

/** The numbers beside a chart: what was recommended, how sure, from what data and which models. */
export function ResourceFigures({
  resource,
  unit,
  entry,
  levels,
}: {
  resource: Resource;
  unit: string;
  entry: ResourceEntry;
  levels: Levels;
}) {
  const q = (v: number | null | undefined) => quantity(v, resource, unit);
  const { quality, forecast } = entry;
  return (
    <div className="rs-figures">
      <dl className="facts">
        <Figure label="Request" field="request" value={entry.request}>
          {q(entry.request)}
        </Figure>
        <Figure label="Limit" field="limit" value={entry.limit}>
          {q(entry.limit)}
        </Figure>
        <Figure label="Request bounds" field="request_bounds">
          {q(entry.request_bounds[0])} – {q(entry.request_bounds[1])}
        </Figure>
        <Figure label="Confidence" field="confidence" value={entry.confidence}>
          {percent(entry.confidence, 0)}
        </Figure>
        <Figure label="VPA request" field="vpa" value={levels.vpa}>
          {q(levels.vpa)}
        </Figure>
        <Figure label="KRR request" field="krr" value={levels.krr}>
          {q(levels.krr)}
        </Figure>
        <Figure label="Backtest coverage" field="backtest_coverage" value={entry.backtest_coverage}>
          {percent(entry.backtest_coverage)}
        </Figure>
        <Figure label="History" field="history_hours" value={quality.history_hours}>
          {significant(quality.history_hours / 24, 3)} days, {percent(quality.missing_share)} missing
        </Figure>
      </dl>
      <h4>Confidence parts</h4>
      <ul className="rs-parts" data-field="confidence_parts">
        {Object.entries(entry.confidence_parts).map(([part, value]) => (
          <li key={part}>
            <span>{PART_LABELS[part] ?? part}</span> <span className="mono">×{significant(value, 3)}</span>
          </li>
        ))}
      </ul>
      <h4>
        Data quality: <span className={`badge badge-quality-${quality.verdict}`}>{quality.verdict}</span>
      </h4>
      {quality.reasons.length > 0 && (
        <ul className="rs-reasons" data-field="quality_reasons">
          {quality.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      {/* Outlying days are among the reasons already; level changes only when recent. */}
      {quality.changepoints.length > 0 && (
        <p className="muted">Level changes: {quality.changepoints.map((t) => when(t)).join(" · ")}.</p>
      )}
      <h4>Models</h4>
      <table className="keep rs-models">
        <caption className="visually-hidden">Forecast models, their fusion weights and MASE</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              Weight
            </th>
            <th scope="col" className="num">
              MASE
            </th>
          </tr>
        </thead>
        <tbody>
          {forecast.models.map((m) => (
            <tr key={m.name} data-model={m.name}>
              <td>{m.name}</td>
              <td className="num">{significant(m.weight, 3)}</td>
              <td className="num">{significant(m.mase, 3)}</td>
            </tr>
          ))}
          <tr data-model="fused">
            <td>fused</td>
            <td className="num">–</td>
            <td className="num">{significant(forecast.fused_mase, 3)}</td>
          </tr>
        </tbody>
      </table>
      <p className="muted">
        Fused MASE {significant(forecast.fused_mase, 3)} against seasonal naive{" "}
        {significant(forecast.naive_mase, 3)}
        {forecast.naive_mase > 0 && ` (${significant(forecast.fused_mase / forecast.naive_mase, 2)}×)`}.
      </p>
    </div>
  );
}
