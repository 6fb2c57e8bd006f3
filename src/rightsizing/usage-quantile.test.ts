import { describe, expect, it } from "vitest";
import { coverage, mixtureQuantile } from "./usage-quantile.js";

describe("mixtureQuantile", () => {
  it.each([
    // point, residuals, q, quantile of {p + r}
    [[1], [0, 1, 2, 3, 4], 0.5, 3],
    [[1, 3], [0, 1], 1, 4],
    [[1, 3], [0, 1], 0, 1],
    // {1, 2, 3, 4} at q = 0.5 interpolates between 2 and 3.
    [[1, 3], [0, 1], 0.5, 2.5],
    // Negative usage is impossible: p + r is floored at 0.
    [[1], [-5, -4, 0], 0.5, 0],
  ])("point %j with residuals %j at q=%f is %f", (point, residuals, q, expected) => {
    expect(mixtureQuantile(point, residuals, q)).toBeCloseTo(expected, 12);
  });

  it("ignores missing residuals and answers NaN without any", () => {
    expect(mixtureQuantile([2], [Number.NaN, 1], 0.5)).toBe(3);
    expect(mixtureQuantile([2], [Number.NaN], 0.5)).toBeNaN();
  });
});

describe("coverage", () => {
  it("is the share of present values at or below the request", () => {
    expect(coverage([1, 2, 3, Number.NaN, 5], 3)).toBe(0.75);
  });
});
