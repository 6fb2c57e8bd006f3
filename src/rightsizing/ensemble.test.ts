import { describe, expect, it } from "vitest";
import { ensembleForecast, fusionWeights, seasonalScale } from "./ensemble.js";
import type { ForecastModel } from "./models/index.js";
import { mstlModel } from "./models/mstl.js";
import { seasonalNaive } from "./models/seasonal-naive.js";
import type { UsageSeries } from "./series.js";

describe("fusionWeights", () => {
  it.each([
    [
      [1, 1],
      [0.5, 0.5],
    ],
    [
      [1, 2],
      [2 / 3, 1 / 3],
    ],
    // Over twice the best error: left out.
    [
      [1, 2.5],
      [1, 0],
    ],
    [
      [Number.NaN, 4],
      [0, 1],
    ],
    [
      [0, 3, 0],
      [0.5, 0, 0.5],
    ],
  ])("MSEs %j weigh %j", (mse, weights) => {
    fusionWeights(mse).forEach((w, i) => {
      expect(w).toBeCloseTo(weights[i] as number, 12);
    });
  });
});

describe("seasonalScale", () => {
  it("is the in-sample MAE of repeating the previous cycle", () => {
    expect(seasonalScale([1, 2, 3, 5], 2)).toBe(2.5);
  });
});

describe("ensembleForecast", () => {
  const day = (i: number) => 1 + Math.sin((2 * Math.PI * i) / 288);
  const series = (days: number, noise = (_: number) => 0): UsageSeries => ({
    name: "s",
    resource: "cpu",
    startMs: 0,
    stepMs: 300_000,
    values: Float64Array.from({ length: days * 288 }, (_, i) => day(i) + noise(i)),
  });

  it("forecasts a pure daily cycle exactly with seasonal naive, residuals within the hour's spread", async () => {
    const e = await ensembleForecast(series(5), { models: [seasonalNaive] });
    expect(e.factor).toBe(12);
    expect(e.point).toHaveLength(24);
    // Five folds wanted; 120 h of history with seasonal naive's 24 h of training leave room for four.
    expect(e.folds).toHaveLength(4);
    expect(e.naiveMase).toBeLessThan(1e-6);
    // Residuals are the 5-minute wiggle around each hour's mean: at most the sine's change over 30 minutes.
    const worst = Math.max(...e.folds.flatMap((f) => Array.from(f.residuals, Math.abs)));
    expect(worst).toBeLessThan((2 * Math.PI * 6) / 288);
  });

  it("learns weights from the backtests and names each model's skill", async () => {
    const e = await ensembleForecast(
      series(6, (i) => 0.05 * Math.sin(i)),
      { models: [seasonalNaive, mstlModel] },
    );
    expect(e.skills.map((s) => s.name)).toEqual(["seasonal_naive", "mstl"]);
    expect(e.skills.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 12);
  });

  it("leaves out a model that fails on a fold and forecasts with the others", async () => {
    const failing: ForecastModel = {
      name: "prophet",
      minHistory: (period) => period,
      forecast: async () => {
        throw new Error("Optimization failed");
      },
    };
    const e = await ensembleForecast(series(5), { models: [seasonalNaive, failing] });
    expect(e.skills.map((s) => [s.name, s.weight])).toEqual([
      ["seasonal_naive", 1],
      ["prophet", 0],
    ]);
    expect(e.skills[1]?.mse).toBeNaN();
    expect(e.naiveMase).toBeLessThan(1e-6);
    // The forecast is seasonal naive's alone: the cycle's hours, as in the last fold.
    expect(
      Math.max(...Array.from(e.point, (p, h) => Math.abs(p - (e.folds[3]?.fused[h] as number)))),
    ).toBeLessThan(1e-12);
  });

  it("refuses a history too short for one backtest fold, saying how much is needed", async () => {
    await expect(ensembleForecast(series(2), { models: [seasonalNaive, mstlModel] })).rejects.toThrow(
      "48.0 h of history; at least 72 h are needed (training 48 h plus a 24 h backtest)",
    );
  });
});
