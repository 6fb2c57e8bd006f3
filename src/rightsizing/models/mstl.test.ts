import { describe, expect, it } from "vitest";
import { mstlModel } from "./mstl.js";
import { weekendIndicator } from "./weekend-offset.js";

/** Monday 2026-01-05 00:00 UTC, in seconds. */
const MONDAY = Date.UTC(2026, 0, 5) / 1000;
const HOUR = 3600;
const weekend = weekendIndicator(MONDAY, HOUR);

/** Hourly usage: a ×3 daily swing around `level`, halved on weekends, with a small fixed wobble. */
function usage(days: number, level: number): Float64Array {
  return Float64Array.from({ length: days * 24 }, (_, i) => {
    const daily = 1 + 0.5 * Math.sin((2 * Math.PI * i) / 24);
    return level * daily * (weekend(i) ? 0.5 : 1) * (1 + 0.02 * Math.sin(i * 1.3));
  });
}

const forecast = (values: Float64Array) =>
  mstlModel.forecast({ values, period: 24, startSeconds: MONDAY, stepSeconds: HOUR }, 24);

describe("mstlModel", () => {
  it("forecasts a Saturday at the weekend's level, learnt from the week before", async () => {
    // Twelve days, Monday to Friday of the second week: the next day is a Saturday.
    const values = usage(12, 2);
    const saturday = await forecast(values);
    const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
    const lastSaturday = mean(values.subarray(5 * 24, 6 * 24));
    const friday = mean(values.subarray(11 * 24));
    expect(lastSaturday / friday).toBeCloseTo(0.5, 1);
    expect(mean(saturday) / lastSaturday).toBeGreaterThan(0.95);
    expect(mean(saturday) / lastSaturday).toBeLessThan(1.05);
    // Hour by hour within 5 % of last Saturday's swing.
    saturday.forEach((v, h) => {
      expect(Math.abs(v - (values[5 * 24 + h] as number))).toBeLessThan(0.05 * lastSaturday);
    });
  });

  it("scales with usage: 40 times the usage is forecast 40 times higher", async () => {
    const small = await forecast(usage(9, 0.1));
    const large = await forecast(usage(9, 4));
    // Up to AutoETS' optimiser, which stops within a few parts in a million.
    small.forEach((v, h) => {
      expect(Math.abs((large[h] as number) / v / 40 - 1)).toBeLessThan(1e-4);
    });
  });

  it("forecasts a swing that grew with the level at the new level's swing (peak ÷ trough 3)", async () => {
    // Monday to Wednesday around 1 core, Thursday and Friday around 3: the same ×3 swing in proportion.
    // An additive decomposition averages the swings in cores and forecasts peak ÷ trough ≈ 2.1.
    const values = Float64Array.from({ length: 5 * 24 }, (_, i) => {
      const daily = 1 + 0.5 * Math.sin((2 * Math.PI * i) / 24);
      return (i < 3 * 24 ? 1 : 3) * daily;
    });
    const f = await forecast(values);
    expect(Math.max(...f) / Math.min(...f)).toBeGreaterThan(2.7);
    expect(Math.max(...f) / Math.min(...f)).toBeLessThan(3.6);
  });

  it("forecasts idle hours (zeros) as finite, non-negative usage", async () => {
    const values = Float64Array.from(usage(8, 1), (v, i) => (i % 24 < 6 ? 0 : v));
    const f = await forecast(values);
    expect(f.every((v) => Number.isFinite(v) && v > -1e-9)).toBe(true);
    expect(Math.max(...f)).toBeGreaterThan(1);
  });
});
