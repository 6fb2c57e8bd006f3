import type { UsageSeries } from "../../rightsizing/series.js";
import type { RecommendReport } from "./report.js";

/** A column name the usage CSV form can hold: it splits on `,` and reads `:` as the kind. */
const columnName = (name: string) => name.replace(/[,:\r\n"]/g, "_");

/**
 * Usage as the CSV form `aurea recommend --csv` reads: `timestamp,<series>,<series>:memory,…`,
 * one row per grid step (ISO-8601 UTC), an empty cell where a series has no sample.
 */
export function usageCsv(series: readonly UsageSeries[]): string {
  const lines = [
    ["timestamp", ...series.map((s) => columnName(s.name) + (s.resource === "memory" ? ":memory" : ""))].join(
      ",",
    ),
  ];
  const withPoints = series.filter((s) => s.values.length > 0);
  if (withPoints.length === 0) return `${lines[0]}\n`;
  const stepMs = Math.min(...withPoints.map((s) => s.stepMs));
  const start = Math.min(...withPoints.map((s) => s.startMs));
  const end = Math.max(...withPoints.map((s) => s.startMs + (s.values.length - 1) * s.stepMs));
  for (let t = start; t <= end; t += stepMs) {
    const cells = [new Date(t).toISOString()];
    for (const s of series) {
      const offset = (t - s.startMs) / s.stepMs;
      const v = Number.isInteger(offset) ? s.values[offset] : undefined;
      cells.push(v === undefined || !Number.isFinite(v) ? "" : String(v));
    }
    lines.push(cells.join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. */
const field = (value: string | number | null | undefined) => {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const REPORT_COLUMNS = [
  "name",
  "resource",
  "request",
  "request_low",
  "request_high",
  "limit",
  "confidence",
  "vpa_request",
  "krr_request",
  "krr_limit",
  "verdict",
  "error",
];

/**
 * A report as CSV: one row per series and resource, Aurea's request (with its error bounds),
 * limit and confidence beside VPA's and KRR's; a series that got no recommendation has a row
 * with only its error.
 */
export function reportCsv(report: RecommendReport): string {
  const lines = [REPORT_COLUMNS.join(",")];
  for (const e of report.recommendations)
    for (const resource of ["cpu", "memory"] as const) {
      const r = e[resource];
      if (!r) continue;
      const krr = e.baselines.krr[resource];
      lines.push(
        [
          e.name,
          resource,
          r.request,
          r.request_bounds[0],
          r.request_bounds[1],
          r.limit,
          r.confidence,
          e.baselines.vpa[resource]?.request,
          krr?.request,
          krr?.limit,
          r.quality.verdict,
          "",
        ]
          .map(field)
          .join(","),
      );
    }
  for (const e of report.errors)
    lines.push([e.name, e.resource, ...Array<string>(9).fill(""), e.message].map(field).join(","));
  return `${lines.join("\n")}\n`;
}
