import type { PrometheusSeries } from "./prometheus-client.js";

/** A series as a `usage_chunks` row keeps it: `points` of `[unix_seconds, value | null]`. */
export interface StoredSeries {
  labels: Record<string, string>;
  points: [number, number | null][];
}

/** JSON has no NaN: a missing sample is stored as null. */
export function toStored(series: readonly PrometheusSeries[]): StoredSeries[] {
  return series.map((s) => ({
    labels: { ...s.labels },
    points: s.times.map((t, i) => {
      const v = s.values[i] as number;
      return [t, Number.isFinite(v) ? v : null];
    }),
  }));
}

export function fromStored(rows: readonly unknown[]): PrometheusSeries[] {
  return (rows as StoredSeries[]).map((s) => ({
    labels: s.labels,
    times: s.points.map(([t]) => t),
    values: s.points.map(([, v]) => (v === null ? Number.NaN : v)),
  }));
}
