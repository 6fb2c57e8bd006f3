import { describe, expect, it } from "vitest";
import { mstlModel } from "./models/mstl.js";
import { seasonalNaive } from "./models/seasonal-naive.js";
import { decayedQuantile } from "./quantiles.js";
import { recommendSeries } from "./recommend.js";
import type { UsageSeries } from "./series.js";

const STEP = 300_000;
const PER_DAY = 288;

/** 10 days of a daily cycle around `level(day)` cores, with a deterministic wobble. */
function cycle(level: (day: number) => number): UsageSeries {
  const values = Float64Array.from({ length: 10 * PER_DAY }, (_, i) => {
    const day = i / PER_DAY;
    return level(day) * (1 + 0.4 * Math.sin(2 * Math.PI * day) + 0.05 * Math.sin(i * 1.7));
  });
  return { name: "svc", resource: "cpu", startMs: Date.UTC(2026, 0, 5), stepMs: STEP, values };
}

const models = [seasonalNaive, mstlModel];

describe("recommendSeries (forecast_level request)", () => {
  it("on a steady series the request is the history's decayed quantile, and the backtest covers it", async () => {
    const series = cycle(() => 1);
    const result = await recommendSeries(series, { models });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const base = decayedQuantile(series.values, PER_DAY, 0.97);
    expect(result.recommendation.request / base).toBeGreaterThan(0.97);
    expect(result.recommendation.request / base).toBeLessThan(1.03);
    expect(result.recommendation.backtestCoverage).toBeGreaterThan(0.9);
    const [low, high] = result.recommendation.requestBounds;
    expect(low).toBeLessThanOrEqual(high);
    expect(result.recommendation.limit).toBeGreaterThanOrEqual(result.recommendation.request);
  });

  it("a rising level raises the request above the history's quantile; the old method is still there", async () => {
    const series = cycle((day) => 1 + 0.08 * day);
    const rising = await recommendSeries(series, { models });
    const mixture = await recommendSeries(series, { models, requestMethod: "residual_mixture" });
    expect(rising.ok && mixture.ok).toBe(true);
    if (!rising.ok || !mixture.ok) return;
    expect(rising.recommendation.request).toBeGreaterThan(decayedQuantile(series.values, PER_DAY, 0.97));
    expect(mixture.recommendation.request).not.toBe(rising.recommendation.request);
  });
});
