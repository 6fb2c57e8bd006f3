/**
 * Section `frontier` of `npm run bench:rightsizing`: where simpler recommenders land on the
 * same windows as the accuracy tables (origins days 7…13, the next 24 h), to see whether any
 * of them beats the VPA baseline on both shortfall and slack: a decayed empirical quantile (the
 * VPA recommender without its buckets and margin, 24 h half-life), the same scaled by the last
 * day's growth (trend), by last week's change from that weekday to the next (weekly), or by the
 * fused forecast's mean over the decayed mean of the history (the forecast sets the level, the
 * history the shape: Aurea's default `forecast_level` request is the P97 of these), and Aurea's
 * two request methods as `recommendSeries` draws them.
 */
import { ensembleForecast } from "../src/rightsizing/ensemble.js";
import { scoreRequest } from "../src/rightsizing/evaluate.js";
import { DEFAULT_MODELS, modelsByName } from "../src/rightsizing/models/index.js";
import { decayedQuantile } from "../src/rightsizing/quantiles.js";
import { baselinesOf, recommendSeries } from "../src/rightsizing/recommend.js";
import type { UsageSeries } from "../src/rightsizing/series.js";

const DAY_MS = 24 * 3600_000;
const QUANTILES = [0.95, 0.97, 0.975, 0.98] as const;

function meanOf(values: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (const v of values)
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  return n ? sum / n : Number.NaN;
}

const clamp = (g: number, low: number, high: number) =>
  Number.isFinite(g) && g > 0 ? Math.min(high, Math.max(low, g)) : 1;

/** Requests of every variant for one training window, keyed by the variant's label. */
async function variants(train: UsageSeries): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const per = Math.round(DAY_MS / train.stepMs);
  const n = train.values.length;
  const v = train.values;
  const baselines = baselinesOf(train);
  out.set("VPA recommender", baselines.vpa.request);
  out.set("KRR simple", baselines.krr.request);
  const trend = clamp(
    Math.sqrt(meanOf(v.subarray(n - per)) / meanOf(v.subarray(n - 2 * per, n - per))),
    0.77,
    1.3,
  );
  const weekly =
    n >= 8 * per
      ? clamp(
          meanOf(v.subarray(n - 7 * per, n - 6 * per)) / meanOf(v.subarray(n - 8 * per, n - 7 * per)),
          0.67,
          1.5,
        )
      : 1;
  const models = modelsByName(DEFAULT_MODELS);
  for (const method of ["forecast_level", "residual_mixture"] as const) {
    const result = await recommendSeries(train, { models, requestMethod: method });
    if (result.ok) out.set(`Aurea P97 (${method})`, result.recommendation.request);
  }
  const forecast = await ensembleForecast(train, { models });
  let weights = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    if (!Number.isFinite(x)) continue;
    const w = 2 ** (-((n - 1 - i) * train.stepMs) / DAY_MS);
    weights += w;
    weighted += w * x;
  }
  const level = clamp(Math.sqrt(meanOf(forecast.point) / (weighted / weights)), 0.67, 1.5);
  for (const q of QUANTILES) {
    const base = decayedQuantile(v, per, q);
    out.set(`decayed P${q * 100}`, base);
    out.set(`decayed P${q * 100} × trend`, base * trend);
    out.set(`decayed P${q * 100} × weekly`, base * weekly);
    out.set(`decayed P${q * 100} × forecast level`, base * level);
  }
  return out;
}

export async function frontier(series: readonly UsageSeries[]): Promise<void> {
  const totals = new Map<string, { shortfall: number; slack: number }>();
  for (const s of series) {
    const horizon = Math.round(DAY_MS / s.stepMs);
    const sums = new Map<string, { shortfall: number; slack: number; n: number }>();
    for (let o = Math.round((7 * DAY_MS) / s.stepMs); o + horizon <= s.values.length; o += horizon) {
      const future = s.values.subarray(o, o + horizon);
      for (const [label, request] of await variants({ ...s, values: s.values.subarray(0, o) })) {
        const score = scoreRequest(future, request);
        const sum = sums.get(label) ?? { shortfall: 0, slack: 0, n: 0 };
        sums.set(label, {
          shortfall: sum.shortfall + score.shortfall,
          slack: sum.slack + score.slack,
          n: sum.n + 1,
        });
      }
    }
    for (const [label, sum] of sums) {
      const total = totals.get(label) ?? { shortfall: 0, slack: 0 };
      totals.set(label, {
        shortfall: total.shortfall + sum.shortfall / sum.n / series.length,
        slack: total.slack + sum.slack / sum.n / series.length,
      });
    }
  }
  const vpa = totals.get("VPA recommender") as { shortfall: number; slack: number };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  console.log(`\nSimpler recommenders on the same windows, all ${series.length} series`);
  console.log(
    `${"recommender".padEnd(34)} ${"shortfall".padStart(9)} ${"slack".padStart(7)}  beats VPA on both`,
  );
  for (const [label, t] of totals)
    console.log(
      `${label.padEnd(34)} ${pct(t.shortfall).padStart(9)} ${pct(t.slack)}  ${t.shortfall < vpa.shortfall && t.slack < vpa.slack ? "yes" : "no"}`,
    );
}
