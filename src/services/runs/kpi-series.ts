import type { KpiSeriesPoint, KpiSeriesView } from "../../contracts/kpis.js";
import { addEncodedHistogram, latencyHistogram, percentileOf } from "../../engine/index.js";
import type { KpiSeriesQuery, SeriesSlice } from "../../store/kpi-series-query.js";
import { bucketAfter, bucketStart } from "../../store/rollup-buckets.js";
import type { RollupLevel } from "../../store/schema.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Buckets whose percentiles are remembered (a few bytes each): windows of every level and scenario. */
const CACHE_ENTRIES = 20_000;

/**
 * The bucket size for a window: hours up to 3 days (≤ 72 points), days up to 120 days, months
 * beyond — a chart of a few dozen to a hundred points, each read from one rollup level.
 */
function seriesLevel(spanMs: number): RollupLevel {
  if (spanMs <= 3 * DAY_MS) return "hour";
  if (spanMs <= 120 * DAY_MS) return "day";
  return "month";
}

type Latency = KpiSeriesPoint["latency_ms"];

/** One bucket being summed. */
class Point {
  completed = 0;
  failed = 0;
  cancelled = 0;
  passed = 0;
  cost = 0;
  histogram: ReturnType<typeof latencyHistogram> | undefined;
  /** Set when the rollups' percentiles came from the cache (and nothing else falls in the bucket). */
  latency: Latency | undefined;

  get runs(): number {
    return this.completed + this.failed + this.cancelled;
  }

  add(slice: SeriesSlice): void {
    this.completed += slice.completed;
    this.failed += slice.failed;
    this.cancelled += slice.cancelled;
    this.passed += slice.passed;
    this.cost += slice.cost;
    this.addHistogram(slice.histogram);
  }

  addHistogram(encoded: string | null): void {
    if (encoded !== null) addEncodedHistogram((this.histogram ??= latencyHistogram()), encoded);
  }

  percentiles(): Latency {
    if (this.latency) return this.latency;
    const at = (p: number) => {
      const us = this.histogram ? percentileOf(this.histogram, p) : null;
      return us === null ? null : us / 1000;
    };
    return { p50: at(50), p95: at(95), p99: at(99) };
  }

  view(start: Date): KpiSeriesPoint {
    const finished = this.completed + this.failed;
    return {
      start: start.toISOString(),
      runs: this.runs,
      finished_runs: finished,
      passed_runs: this.passed,
      success_rate: finished === 0 ? null : this.passed / finished,
      cost: this.cost,
      latency_ms: this.percentiles(),
    };
  }
}

/**
 * The dashboard's KPIs over time: finished runs per whole UTC hour, day or month overlapping
 * the window, from the rollups of that level plus the runs not folded in yet. Every bucket of
 * the window is present (empty ones with zero runs), so a chart's x axis is continuous.
 *
 * Latency percentiles per bucket come from the merged histograms, as the totals' do. Merging
 * is the costly part (a histogram per scenario and bucket), so the percentiles of a bucket's
 * rollups are remembered with the number of runs they hold: rollups only ever gain runs, so
 * while a bucket's count is unchanged its histograms are too, and only buckets that gained
 * runs (the recent ones, typically) are merged again. Any process may fold runs: the count
 * read from the store is what decides, not this process's memory.
 */
export class KpiSeries {
  readonly #query: KpiSeriesQuery;
  readonly #cache = new Map<string, { runs: number; latency: Latency }>();

  constructor(query: KpiSeriesQuery) {
    this.#query = query;
  }

  async series(
    window: { from?: Date | undefined; to?: Date | undefined; scenarioId?: number | undefined },
    now = new Date(),
  ): Promise<KpiSeriesView> {
    const to = window.to ?? now;
    const from =
      window.from ?? (await this.#query.firstRunAt(window.scenarioId)) ?? new Date(to.getTime() - DAY_MS);
    const level = seriesLevel(Math.max(0, to.getTime() - from.getTime()));
    const start = bucketStart(level, from);
    const points = new Map<number, Point>();
    for (let t = start; t < to; t = bucketAfter(level, t)) points.set(t.getTime(), new Point());
    if (points.size === 0) points.set(start.getTime(), new Point());
    const pointAt = (at: Date) => points.get(bucketStart(level, at).getTime());
    const [sums, unfolded] = await Promise.all([
      this.#query.rollupSums(level, start, to, window.scenarioId),
      this.#query.unfolded(start, to, window.scenarioId),
    ]);
    for (const slice of sums) pointAt(slice.at)?.add(slice);

    const key = (t: number) => `${level}|${window.scenarioId ?? "all"}|${t}`;
    const withUnfolded = new Set(unfolded.map((run) => bucketStart(level, run.at).getTime()));
    const stale: Date[] = [];
    for (const [t, point] of points) {
      if (point.runs === 0) continue;
      const cached = this.#cache.get(key(t));
      if (cached && cached.runs === point.runs && !withUnfolded.has(t)) point.latency = cached.latency;
      else stale.push(new Date(t));
    }
    for (const row of await this.#query.rollupHistograms(level, stale, window.scenarioId))
      pointAt(row.at)?.addHistogram(row.histogram);
    for (const at of stale) {
      const point = pointAt(at)!;
      if (withUnfolded.has(at.getTime())) continue;
      point.latency = point.percentiles();
      this.#remember(key(at.getTime()), point.runs, point.latency);
    }
    for (const run of unfolded) pointAt(run.at)?.add(run);
    return { bucket: level, points: [...points.entries()].map(([t, point]) => point.view(new Date(t))) };
  }

  #remember(key: string, runs: number, latency: Latency): void {
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, { runs, latency });
  }
}
