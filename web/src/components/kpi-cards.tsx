import type { DashboardView } from "../api/types.js";
import { count, dollars, ms, percent } from "../format.js";

export function KpiCards({ kpis }: { kpis: DashboardView }) {
  const cards: [string, string, string?][] = [
    ["Total runs", count(kpis.total_runs), `${count(kpis.finished_runs)} finished`],
    ["Success rate", percent(kpis.success_rate), `${count(kpis.passed_runs)} passed`],
    ["p50", ms(kpis.latency_ms.p50)],
    ["p95", ms(kpis.latency_ms.p95)],
    ["p99", ms(kpis.latency_ms.p99)],
    ["Cost", dollars(kpis.cost), `${count(kpis.jobs)} jobs`],
  ];
  return (
    <dl className="kpis">
      {cards.map(([label, value, note]) => (
        <div className="kpi" key={label}>
          <dt>{label}</dt>
          <dd>
            <span className="kpi-value">{value}</span>
            {note && <span className="kpi-note">{note}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}
