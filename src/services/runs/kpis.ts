import { addEncodedHistogram, addHistogram, latencyHistogram, percentileOf } from "../../engine/index.js";
import type { KpisQuery } from "../../store/kpis-query.js";
import { coverWindow } from "../../store/rollup-buckets.js";
import type { RunFilter, RunListRow } from "../../store/runs-repo.js";
import { RUN_STATUSES, type RunStatus } from "../../store/schema.js";

export interface LatencyKpis {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

interface Totals {
  total_runs: number;
  finished_runs: number;
  passed_runs: number;
  /** Passed ÷ finished (completed or failed) runs; cancelled and unfinished runs do not count. */
  success_rate: number | null;
  jobs: number;
  failed_jobs: number;
  job_success_rate: number | null;
  cost: number;
  latency_ms: LatencyKpis;
}

export interface DashboardKpis extends Totals {
  window: { from: string | null; to: string | null };
  runs_by_status: Record<RunStatus, number>;
  recent_runs: RunListRow[];
  scenarios: (Totals & { scenario_id: number | null; scenario_name: string | null })[];
}

type Histogram = Parameters<typeof addHistogram>[1];

/** Sums for one scenario (or all). */
class Tally {
  readonly byStatus = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  passed = 0;
  jobs = 0;
  failedJobs = 0;
  cost = 0;
  histogram: Histogram | undefined;

  addHistogram(encoded: string | null): void {
    if (encoded === null) return;
    this.histogram ??= latencyHistogram();
    addEncodedHistogram(this.histogram, encoded);
  }

  add(decoded: Histogram): void {
    this.histogram ??= latencyHistogram();
    addHistogram(this.histogram, decoded);
  }

  totals(): Totals {
    const finished = this.byStatus.completed + this.byStatus.failed;
    const at = (p: number) => {
      const us = this.histogram ? percentileOf(this.histogram, p) : null;
      return us === null ? null : us / 1000;
    };
    return {
      total_runs: RUN_STATUSES.reduce((sum, s) => sum + this.byStatus[s], 0),
      finished_runs: finished,
      passed_runs: this.passed,
      success_rate: finished === 0 ? null : this.passed / finished,
      jobs: this.jobs,
      failed_jobs: this.failedJobs,
      job_success_rate: this.jobs === 0 ? null : (this.jobs - this.failedJobs) / this.jobs,
      cost: this.cost,
      latency_ms: { p50: at(50), p95: at(95), p99: at(99) },
    };
  }
}

/** Windows without a bound reach back to 1970 and forward to 9999. */
const EARLIEST = new Date(Date.UTC(1970, 0, 1));
const LATEST = new Date(Date.UTC(9999, 0, 1));

/**
 * The dashboard's KPIs for the runs created in a window. Whole hours, days and months come from
 * the rollups, the partial hours at the edges — and runs finished since the aggregator's last
 * batch — from the runs, pending and running runs live.
 * Latency percentiles come from HDR histograms merged together — never from averaging
 * per-run percentiles — so they are exact to the histograms' 0.1 % resolution.
 */
export async function dashboardKpis(
  query: KpisQuery,
  filter: RunFilter,
  recent = 10,
): Promise<DashboardKpis> {
  const window = { from: filter.from ?? EARLIEST, to: filter.to ?? LATEST };
  const cover = coverWindow(window.from, window.to);
  const [rollups, rawEdges, unfolded, live, recentRuns] = await Promise.all([
    query.rollups(cover.buckets, filter.scenarioId),
    query.finishedIn(cover.raw, filter.scenarioId),
    query.unfoldedIn(window, cover.raw, filter.scenarioId),
    query.live(filter),
    query.recent(filter, recent),
  ]);
  const edges = [...rawEdges, ...unfolded];
  const all = new Tally();
  const perScenario = new Map<number, Tally>();
  const tallyOf = (key: number): Tally => {
    let tally = perScenario.get(key);
    if (!tally) perScenario.set(key, (tally = new Tally()));
    return tally;
  };
  for (const row of rollups) {
    for (const tally of [tallyOf(row.scenarioKey), all]) {
      tally.byStatus.completed += row.completed;
      tally.byStatus.failed += row.failed;
      tally.byStatus.cancelled += row.cancelled;
      tally.passed += row.passed;
      tally.jobs += row.jobs;
      tally.failedJobs += row.failedJobs;
      tally.cost += row.cost;
    }
    tallyOf(row.scenarioKey).addHistogram(row.histogram);
  }
  for (const run of edges) {
    const own = tallyOf(run.scenarioId ?? 0);
    for (const tally of [own, all]) {
      tally.byStatus[run.status as RunStatus] += 1;
      tally.passed += run.passed ? 1 : 0;
      tally.jobs += run.totalJobs ?? 0;
      tally.failedJobs += run.failedJobs ?? 0;
      tally.cost += run.cost ?? 0;
    }
    own.addHistogram(run.histogram);
  }
  for (const row of live) {
    for (const tally of [tallyOf(row.scenarioId ?? 0), all])
      tally.byStatus[row.status as RunStatus] += row.runs;
  }
  // The total's histogram is the scenarios' merged: each stored histogram is decoded once.
  for (const tally of perScenario.values()) {
    if (tally.histogram) all.add(tally.histogram);
  }
  const names = await query.names([...perScenario.keys()].filter((k) => k !== 0));
  return {
    window: { from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null },
    ...all.totals(),
    runs_by_status: all.byStatus,
    recent_runs: recentRuns,
    scenarios: [...perScenario.entries()]
      .map(([key, tally]) => ({
        scenario_id: key === 0 ? null : key,
        scenario_name: key === 0 ? null : (names.get(key) ?? null),
        ...tally.totals(),
      }))
      .sort((a, b) => b.total_runs - a.total_runs),
  };
}
