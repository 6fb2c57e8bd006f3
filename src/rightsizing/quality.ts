import { augursChangepoint, augursOutlier } from "./augurs.js";
import { mean, standardDeviation } from "./quantiles.js";
import { blockMeans, fillGaps, presentCount, type UsageSeries } from "./series.js";

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

export interface QualityThresholds {
  /** Least history (first to last sample) a recommendation is made from. */
  readonly minHistoryMs: number;
  /** Most missing points (share) before the series is refused. */
  readonly maxMissingShare: number;
  /** Missing share above which a warning is given. */
  readonly warnMissingShare: number;
  /** A gap longer than this is a warning. */
  readonly warnGapMs: number;
  /** Median daily coefficient of variation above which the series is called unstable. */
  readonly warnCv: number;
}

export const DEFAULT_THRESHOLDS: QualityThresholds = Object.freeze({
  minHistoryMs: 3 * DAY_MS,
  maxMissingShare: 0.5,
  warnMissingShare: 0.1,
  warnGapMs: 6 * HOUR_MS,
  warnCv: 1,
});

export type Verdict = "ok" | "warning" | "unusable";

export interface QualityReport {
  readonly verdict: Verdict;
  /** Why the verdict is not `ok`: one sentence each. */
  readonly reasons: string[];
  readonly points: number;
  readonly historyHours: number;
  readonly missingShare: number;
  readonly gaps: number;
  readonly longestGapMinutes: number;
  /** Coefficient of variation of each whole day. */
  readonly dailyCv: number[];
  /** Days (ISO dates) augurs' DBSCAN finds outlying among the series' days. */
  readonly outlierDays: string[];
  /** Times (ISO) of level changes augurs' Bayesian online changepoint detector finds. */
  readonly changepoints: string[];
}

/**
 * Completeness, stability, outliers and changepoints of one series. Outliers: each day's hourly
 * profile is one member of a group, and augurs' DBSCAN detector names the days unlike the others
 * (an incident, a deploy). Changepoints: augurs' normal-gamma BOCPD on standardised 3-hour means
 * (finer blocks cost quadratically more and find the same level shifts).
 */
export function assessQuality(
  series: UsageSeries,
  thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
): QualityReport {
  const values = series.values;
  const present = presentCount(values);
  const points = values.length;
  const missingShare = points ? 1 - present / points : 1;
  const historyHours = (points * series.stepMs) / HOUR_MS;
  const { gaps, longest } = gapsOf(values);
  const reasons: string[] = [];
  const empty = { dailyCv: [], outlierDays: [], changepoints: [] };
  const report = (
    verdict: Verdict,
    rest: Pick<QualityReport, "dailyCv" | "outlierDays" | "changepoints">,
  ) => ({
    verdict,
    reasons,
    points,
    historyHours,
    missingShare,
    gaps,
    longestGapMinutes: (longest * series.stepMs) / 60_000,
    ...rest,
  });

  if (present === 0) {
    reasons.push("every point is missing (NaN or absent)");
    return report("unusable", empty);
  }
  const flatAt = flatValue(values, present);
  if (flatAt !== undefined) {
    reasons.push(
      `flat: every sample is ${Number(flatAt.toPrecision(6))} — a stuck or idle metric, nothing to forecast`,
    );
    return report("unusable", empty);
  }
  if (points * series.stepMs < thresholds.minHistoryMs)
    reasons.push(
      `too little history: ${historyHours.toFixed(1)} h, at least ${thresholds.minHistoryMs / HOUR_MS} h are needed`,
    );
  if (missingShare > thresholds.maxMissingShare)
    reasons.push(
      `${pct(missingShare)} of the points are missing (at most ${pct(thresholds.maxMissingShare)})`,
    );
  if (reasons.length > 0) return report("unusable", empty);

  if (missingShare > thresholds.warnMissingShare)
    reasons.push(`${pct(missingShare)} of the points are missing`);
  if (longest * series.stepMs > thresholds.warnGapMs)
    reasons.push(`a gap of ${((longest * series.stepMs) / HOUR_MS).toFixed(1)} h`);

  const perDay = Math.round(DAY_MS / series.stepMs);
  const days = Math.floor(points / perDay);
  const dailyCv: number[] = [];
  for (let d = 0; d < days; d++) {
    const day = values.subarray(d * perDay, (d + 1) * perDay);
    const m = mean(day);
    dailyCv.push(m > 0 ? standardDeviation(day) / m : 0);
  }
  const sortedCv = [...dailyCv].filter(Number.isFinite).sort((a, b) => a - b);
  const medianCv = sortedCv[Math.floor((sortedCv.length - 1) / 2)] ?? 0;
  if (medianCv > thresholds.warnCv)
    reasons.push(`unstable: median daily coefficient of variation ${medianCv.toFixed(2)}`);

  const outlierDays = outlyingDays(series, perDay, days);
  if (outlierDays.length > 0) reasons.push(`outlying days: ${outlierDays.join(", ")}`);
  const changepoints = levelChanges(series);
  const recent = changepoints.filter(
    (t) => Date.parse(t) > series.startMs + (points * series.stepMs - 2 * DAY_MS),
  );
  if (recent.length > 0) reasons.push(`a level change in the last 2 days (${recent.join(", ")})`);

  return report(reasons.length > 0 ? "warning" : "ok", { dailyCv, outlierDays, changepoints });
}

function outlyingDays(series: UsageSeries, perDay: number, days: number): string[] {
  if (days < 3) return [];
  const factor = Math.max(1, Math.round(HOUR_MS / series.stepMs));
  const profiles = Array.from({ length: days }, (_, d) =>
    Array.from(fillGaps(blockMeans(series.values.subarray(d * perDay, (d + 1) * perDay), factor), 1)),
  );
  const { OutlierDetector } = augursOutlier();
  const detector = OutlierDetector.dbscan({ sensitivity: 0.5 });
  try {
    return detector
      .detect(profiles)
      .outlyingSeries.map((d) => new Date(series.startMs + d * DAY_MS).toISOString().slice(0, 10));
  } finally {
    detector.free();
  }
}

function levelChanges(series: UsageSeries): string[] {
  const factor = Math.max(1, Math.round((3 * HOUR_MS) / series.stepMs));
  const blocks = fillGaps(blockMeans(series.values, factor), 8);
  const m = mean(blocks);
  const sd = standardDeviation(blocks) || 1;
  const z = Array.from(blocks, (v) => (v - m) / sd);
  const { ChangepointDetector } = augursChangepoint();
  const detector = ChangepointDetector.normalGamma();
  try {
    return detector
      .detectChangepoints(z)
      .indices.filter((i) => i > 0)
      .map((i) => new Date(series.startMs + i * factor * series.stepMs).toISOString());
  } finally {
    detector.free();
  }
}

/**
 * The value a flat series sits at: 99 % of its samples within a millionth of the median (a rate()
 * of a steady counter wobbles in its last digits and at the range's edges), else undefined.
 */
function flatValue(values: Float64Array, present: number): number | undefined {
  if (present < 2) return undefined;
  const sorted = values.filter((v) => Number.isFinite(v)).sort();
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  let near = 0;
  for (const v of sorted) if (Math.abs(v - median) <= 1e-6 * Math.abs(median)) near++;
  return near >= 0.99 * sorted.length ? median : undefined;
}

function gapsOf(values: Float64Array): { gaps: number; longest: number } {
  let gaps = 0;
  let run = 0;
  let longest = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      run = 0;
      continue;
    }
    if (run === 0) gaps++;
    run++;
    longest = Math.max(longest, run);
  }
  return { gaps, longest };
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;
