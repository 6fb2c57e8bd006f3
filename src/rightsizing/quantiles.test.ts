import { describe, expect, it } from "vitest";
import { decayedMean, decayedQuantile, quantile } from "./quantiles.js";

describe("decayed quantile and mean", () => {
  it("with an endless half-life they are the plain (lower) quantile and the mean", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(decayedQuantile(values, Number.POSITIVE_INFINITY, 0.9)).toBe(90);
    expect(decayedMean(values, Number.POSITIVE_INFINITY)).toBeCloseTo(50.5, 10);
    expect(quantile(values, 0.9)).toBeCloseTo(90.1, 10);
  });

  it("weigh recent points more: a point one half-life older counts half", () => {
    // Old value 10 (weight 1/2), recent value 20 (weight 1): the mean is (5 + 20) / 1.5.
    expect(decayedMean([10, 20], 1)).toBeCloseTo(25 / 1.5, 10);
    // The 0.3 quantile falls in the old point's third of the weight, 0.4 in the recent one's.
    expect(decayedQuantile([10, 20], 1, 0.3)).toBe(10);
    expect(decayedQuantile([10, 20], 1, 0.4)).toBe(20);
  });

  it("skip missing points and give NaN for none", () => {
    expect(decayedQuantile([Number.NaN, 3, Number.NaN], 10, 0.5)).toBe(3);
    expect(decayedMean([Number.NaN], 10)).toBeNaN();
    expect(decayedQuantile([], 10, 0.5)).toBeNaN();
  });
});
