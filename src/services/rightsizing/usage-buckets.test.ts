import { describe, expect, it } from "vitest";
import type { UsageSeries } from "../../rightsizing/series.js";
import { usageBuckets } from "./usage-buckets.js";

const series = (values: number[]): UsageSeries => ({
  name: "s",
  resource: "cpu",
  startMs: 1_000,
  stepMs: 300_000,
  values: Float64Array.from(values),
});

describe("usageBuckets", () => {
  it("keeps a series at or under the bucket count as it is", () => {
    expect(usageBuckets(series([1, Number.NaN, 3]), 3)).toEqual({
      startMs: 1_000,
      stepMs: 300_000,
      values: [1, null, 3],
      peaks: [1, null, 3],
    });
  });

  it.each([
    { values: [1, 2, 3, 4, 5], max: 2, width: 3, means: [2, 4.5], peaks: [3, 5] },
    { values: [1, Number.NaN, Number.NaN, Number.NaN], max: 2, width: 2, means: [1, null], peaks: [1, null] },
    { values: [0, 10, 2, 2], max: 1, width: 4, means: [3.5], peaks: [10] },
  ])(
    "buckets $values into at most $max: means $means, peaks $peaks",
    ({ values, max, width, means, peaks }) => {
      const b = usageBuckets(series(values), max);
      expect(b.stepMs).toBe(300_000 * width);
      expect(b.values).toEqual(means);
      expect(b.peaks).toEqual(peaks);
    },
  );

  it("turns 14 days of 1-minute samples into at most 2,000 buckets of whole cells", () => {
    const b = usageBuckets(series(Array.from({ length: 14 * 1440 }, (_, i) => i % 7)));
    // 20,160 cells ÷ 2,000 = 10.08: 11 cells a bucket.
    expect(b.stepMs).toBe(11 * 300_000);
    expect(b.values.length).toBe(Math.ceil(20_160 / 11));
    expect(Math.max(...(b.peaks as number[]))).toBe(6);
  });
});
