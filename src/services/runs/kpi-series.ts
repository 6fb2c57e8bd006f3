import type { KpiSeriesPoint, KpiSeriesView } from "../../contracts/kpis.js";
import { addEncodedHistogram, latencyHistogram, percentileOf } from "../../engine/index.js";
import type { KpiSeriesQuery, SeriesSlice } from "../../store/kpi-series-query.js";
import { bucketAfter, bucketStart } from "../../store/rollup-buckets.js";
import type { RollupLevel } from "../../store/schema.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The bucket size for a window: hours up to 3 days (≤ 72 points), days up to 120 days, months
 * beyond — a chart of a few dozen to a hundred points, each read from one rollup level.
 */
function seriesLevel(spanMs: number): RollupLevel {
  if (spanMs <= 3 * DAY_MS) return "hour";
  if (spanMs <= 120 * DAY_MS) return "day";
  return "month";
}

/** One bucket being summed. */
class Point {
  completed = 0;
  failed = 0;
  cancelled = 0;
  passed = 0;
  cost = 0;
  histogram: ReturnType<typeof latencyHistogram> | undefined;

  add(slice: SeriesSlice): void {
    this.completed += slice.completed;
    this.failed += slice.failed;
    this.cancelled += slice.cancelled;
    this.passed += slice.passed;
    this.cost += slice.cost;
    if (slice.histogram !== null)
      addEncodedHistogram((this.histogram ??= latencyHistogram()), slice.histogram);
  }

  view(start: Date): KpiSeriesPoint {
    const finished = this.completed + this.failed;
    const at = (p: number) => {
      const us = this.histogram ? percentileOf(this.histogram, p) : null;
      return us === null ? null : us / 1000;
    };
    return {
      start: start.toISOString(),
      runs: finished + this.cancelled,
      finished_runs: finished,
      passed_runs: this.passed,
      success_rate: finished === 0 ? null : this.passed / finished,
      cost: this.cost,
      latency_ms: { p50: at(50), p95: at(95), p99: at(99) },
    };
  }
}

/**
 * The dashboard's KPIs over time: finished runs per whole UTC hour, day or month overlapping
 * the window, from the rollups of that level plus the runs not folded in yet. Every bucket of
 * the window is present (empty ones with zero runs), so a chart's x axis is continuous. Latency
 * percentiles per bucket come from the merged histograms, as the totals' do.
 */
export async function kpiSeries(
  query: KpiSeriesQuery,
  window: { from?: Date | undefined; to?: Date | undefined; scenarioId?: number | undefined },
  now = new Date(),
): Promise<KpiSeriesView> {
  const to = window.to ?? now;
  const from = window.from ?? (await query.firstRunAt(window.scenarioId)) ?? new Date(to.getTime() - DAY_MS);
  const level = seriesLevel(Math.max(0, to.getTime() - from.getTime()));
  const start = bucketStart(level, from);
  const points = new Map<number, Point>();
  for (let t = start; t < to; t = bucketAfter(level, t)) points.set(t.getTime(), new Point());
  if (points.size === 0) points.set(start.getTime(), new Point());
  const [rollups, unfolded] = await Promise.all([
    query.rollups(level, start, to, window.scenarioId),
    query.unfolded(start, to, window.scenarioId),
  ]);
  for (const slice of [...rollups, ...unfolded]) {
    points.get(bucketStart(level, slice.at).getTime())?.add(slice);
  }
  return {
    bucket: level,
    points: [...points.entries()].map(([t, point]) => point.view(new Date(t))),
  };
}
