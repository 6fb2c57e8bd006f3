import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.js";
import { type ComparableRun, compareRuns, type MetricComparison } from "./compare.js";
import { mannWhitneyU, recordedBuckets } from "./compare-mann-whitney.js";
import { erfc, normalCdf, twoSidedPValue } from "./compare-normal.js";
import { twoProportionZTest } from "./compare-proportions.js";
import { decodeHistogram, encodeHistogram, forEachRecordedValue, latencyHistogram } from "./histogram.js";

/** Log-normal latencies (µs) around `medianMs`, encoded as a run stores them. */
function lognormal(seed: number, count: number, medianMs: number, sigma = 0.5): string {
  const random = seededRandom(seed);
  const histogram = latencyHistogram();
  for (let i = 0; i < count; i++) {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const z = Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
    histogram.recordValue(Math.round(medianMs * 1000 * Math.exp(sigma * z)));
  }
  return encodeHistogram(histogram);
}

function valuesHistogram(values: readonly number[]): string {
  const histogram = latencyHistogram();
  for (const v of values) histogram.recordValue(v);
  return encodeHistogram(histogram);
}

function run(histogram: string, overrides: Partial<ComparableRun> = {}): ComparableRun {
  return { histogram, total: 10_000, failed: 100, throughput: 100, costPerJob: 0.01, ...overrides };
}

function metric(metrics: readonly MetricComparison[], name: MetricComparison["metric"]): MetricComparison {
  const found = metrics.find((m) => m.metric === name);
  if (!found) throw new Error(`no ${name} in the comparison`);
  return found;
}

const latencyOf = (metrics: readonly MetricComparison[]) =>
  metrics.filter((m) => m.metric.startsWith("latency_"));

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

const BASELINE = lognormal(1, 5000, 40);

describe("normal distribution", () => {
  // Reference values from a multiple-precision erfc (Python's math.erfc agrees to the last digit).
  it.each([
    [0.1, 0.8875370839817152],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [3.5, 7.430983723414128e-7],
    [5, 1.5374597944280349e-12],
    [10, 2.088487583762545e-45],
    [-1, 1.8427007929497148],
    [-3, 1.9999779095030015],
  ])("erfc(%s) is %s to 13 significant digits", (x, expected) => {
    expect(relativeError(erfc(x), expected)).toBeLessThan(1e-13);
  });

  it.each([
    [0, 0.5],
    [1.96, 0.9750021048517795],
    [-1.96, 0.024997895148220435],
    [-3, 0.0013498980316300946],
  ])("Φ(%s) is %s", (x, expected) => {
    expect(relativeError(normalCdf(x), expected)).toBeLessThan(1e-13);
  });

  it("gives p = 0.05 two-sided at z = ±1.959964 and p = 1 at z = 0", () => {
    expect(twoSidedPValue(1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(twoSidedPValue(-1.959963984540054)).toBeCloseTo(0.05, 12);
    expect(twoSidedPValue(0)).toBe(1);
  });
});

describe("histogram buckets as a counted sample", () => {
  it("gives the values and counts forEachRecordedValue gives, across the whole range", () => {
    const random = seededRandom(9);
    const histogram = latencyHistogram();
    // Log-uniform over 0 µs … 2 h: every bucket size from 1 µs up.
    for (let i = 0; i < 50_000; i++)
      histogram.recordValue(Math.floor(Math.exp(random.next() * Math.log(7.2e9))));
    const decoded = decodeHistogram(encodeHistogram(histogram));
    const expected: { values: number[]; counts: number[] } = { values: [], counts: [] };
    forEachRecordedValue(decoded, (value, count) => {
      expected.values.push(value);
      expected.counts.push(count);
    });
    expect(expected.values.length).toBeGreaterThan(10_000);
    expect(recordedBuckets(decoded)).toEqual(expected);
  });
});

describe("Mann–Whitney U from counted samples", () => {
  it("matches a hand computation with one tie", () => {
    // x = 1 2 3 5, y = 3 4 6 7 8. Pooled ranks: 1 2 3.5 3.5 4→5 5→6 6→7 7→8 8→9 (the two 3s share
    // ranks 3 and 4). R(x) = 1 + 2 + 3.5 + 6 = 12.5, U = 12.5 − 4·5/2 = 2.5 (5 > 3, 5 > 4, ½ for 3 = 3).
    // E[U] = 10; Var = 4·5/12 · (9 + 1 − (2³ − 2)/(9·8)) = 595/36; continuity-corrected
    // z = −(7.5 − 0.5)/√(595/36) = −42/√595 = −1.7218321; p = 2Φ(−1.7218321) = 0.0850999.
    const x = { values: [1, 2, 3, 5], counts: [1, 1, 1, 1] };
    const y = { values: [3, 4, 6, 7, 8], counts: [1, 1, 1, 1, 1] };
    const result = mannWhitneyU(x, y);
    expect(result.u).toBe(2.5);
    expect(result.z).toBeCloseTo(-42 / Math.sqrt(595), 12);
    expect(result.p).toBeCloseTo(0.08509993251567075, 10);
    const swapped = mannWhitneyU(y, x);
    expect(swapped.u).toBe(17.5);
    expect(swapped.z).toBeCloseTo(42 / Math.sqrt(595), 12);
    expect(swapped.p).toBeCloseTo(result.p, 14);
  });

  it("matches a hand computation where counts carry the ties", () => {
    // x = 1 ×3, 2 ×1; y = 1 ×1, 2 ×2, 3 ×1. U = 3·(0 + 1/2) + 1·(1 + 2/2) = 3.5; E[U] = 8.
    // Tie groups of 4, 3 and 1: Σ(t³ − t) = 60 + 24 = 84; Var = 16/12 · (9 − 84/56) = 10.
    // z = −(4.5 − 0.5)/√10 = −1.2649111; p = 0.2059032.
    const result = mannWhitneyU({ values: [1, 2], counts: [3, 1] }, { values: [1, 2, 3], counts: [1, 2, 1] });
    expect(result.u).toBe(3.5);
    expect(result.z).toBeCloseTo(-4 / Math.sqrt(10), 12);
    expect(result.p).toBeCloseTo(0.2059032107320684, 10);
  });

  it("finds no ordering when every value is tied", () => {
    expect(mannWhitneyU({ values: [7], counts: [5] }, { values: [7], counts: [9] })).toEqual({
      u: 22.5,
      z: 0,
      p: 1,
    });
  });

  it("refuses an empty sample", () => {
    expect(() => mannWhitneyU({ values: [], counts: [] }, { values: [1], counts: [1] })).toThrow(RangeError);
  });
});

describe("two-proportion z-test", () => {
  it("matches a hand computation", () => {
    // 10/100 vs 20/100: pooled 0.15, SE = √(0.15·0.85·(1/100 + 1/100)) = 0.0504975,
    // z = −0.1/0.0504975 = −1.9802951, p = 0.0476704.
    const { z, p } = twoProportionZTest(10, 100, 20, 100);
    expect(z).toBeCloseTo(-1.9802950859533488, 12);
    expect(p).toBeCloseTo(0.04767038065616144, 12);
  });

  it("finds no difference when neither run has failures", () => {
    expect(twoProportionZTest(0, 50, 0, 80)).toEqual({ z: 0, p: 1 });
  });
});

describe("comparing runs", () => {
  it("reads the Mann–Whitney p-value off the histograms' buckets, ties included", () => {
    // The hand-computed example above, recorded in microseconds (exact buckets below 2048 µs).
    const { metrics } = compareRuns(
      run(valuesHistogram([1, 2, 3, 5])),
      run(valuesHistogram([3, 4, 6, 7, 8])),
    );
    for (const m of latencyOf(metrics)) {
      expect(m.test).toBe("mann_whitney_u");
      expect(m.p_value).toBeCloseTo(0.08509993251567075, 10);
    }
  });

  it("calls a run with the very same latencies no change, with p = 1", () => {
    const comparison = compareRuns(run(BASELINE), run(BASELINE));
    expect(comparison.verdict).toBe("no_change");
    for (const m of comparison.metrics) {
      expect(m.verdict).toBe("no_change");
      expect(m.delta).toBe(0);
    }
    for (const m of latencyOf(comparison.metrics)) expect(m.p_value).toBe(1);
  });

  it("calls a run drawn from the same distribution no change", () => {
    const comparison = compareRuns(run(lognormal(2, 5000, 40)), run(BASELINE));
    expect(comparison.verdict).toBe("no_change");
    expect(metric(comparison.metrics, "latency_p50_ms").p_value).toBeGreaterThan(0.05);
  });

  it("calls a 20 % slower run a regression on every latency metric, with p < 1e-6", () => {
    const comparison = compareRuns(run(lognormal(3, 5000, 48)), run(BASELINE));
    expect(comparison.verdict).toBe("regression");
    for (const m of latencyOf(comparison.metrics)) {
      expect(m.verdict).toBe("regression");
      expect(m.p_value).toBeLessThan(1e-6);
      expect(m.delta_pct).toBeGreaterThan(10);
      expect(m.delta_pct).toBeLessThan(30);
    }
  });

  it("calls a 20 % faster run an improvement", () => {
    const comparison = compareRuns(run(lognormal(4, 5000, 32)), run(BASELINE));
    expect(comparison.verdict).toBe("improvement");
    for (const m of latencyOf(comparison.metrics)) expect(m.verdict).toBe("improvement");
  });

  it("does not call a large change a change when it is not significant", () => {
    // Five jobs each, every one 200 µs slower: +6.7 % on the mean, but U = 15 of 25 pairs, p ≈ 0.68.
    const comparison = compareRuns(
      run(valuesHistogram([1200, 2200, 3200, 4200, 5200])),
      run(valuesHistogram([1000, 2000, 3000, 4000, 5000])),
    );
    const mean = metric(comparison.metrics, "latency_mean_ms");
    expect(mean.delta_pct).toBeGreaterThan(5);
    expect(mean.p_value).toBeGreaterThan(0.5);
    expect(mean.verdict).toBe("no_change");
    expect(comparison.verdict).toBe("no_change");
  });

  it("does not call a significant 2 % slowdown a change, unless minEffect is lowered below it", () => {
    const baseline = run(lognormal(5, 20_000, 40, 0.1));
    const current = run(lognormal(6, 20_000, 40.8, 0.1));
    const comparison = compareRuns(current, baseline);
    expect(comparison.verdict).toBe("no_change");
    for (const m of latencyOf(comparison.metrics)) {
      expect(m.p_value).toBeLessThan(1e-6);
      expect(m.verdict).toBe("no_change");
    }
    const strict = compareRuns(current, baseline, { minEffect: 0.01 });
    expect(metric(strict.metrics, "latency_p50_ms").verdict).toBe("regression");
    expect(strict.min_effect).toBe(0.01);
  });

  it.each([
    ["one sample in the current run", [1], 5000],
    ["one sample in the baseline", 5000, [1]],
    ["no samples in the current run", [0], 5000],
  ] as const)("calls latency insufficient_data with %s", (_, currentSize, baselineSize) => {
    const histogram = (size: number | readonly number[]) =>
      typeof size === "number" ? BASELINE : valuesHistogram(Array.from({ length: size[0]! }, () => 40_000));
    const comparison = compareRuns(run(histogram(currentSize)), run(histogram(baselineSize)));
    for (const m of latencyOf(comparison.metrics)) {
      expect(m.verdict).toBe("insufficient_data");
      expect(m.test).toBe("none");
      expect(m.p_value).toBeNull();
    }
    expect(comparison.verdict).toBe("insufficient_data");
  });

  it.each([
    // baseline failed, current failed, jobs per run, verdict, delta_pct
    [100, 500, 10_000, "regression", 400],
    [500, 100, 10_000, "improvement", -80],
    [0, 30, 10_000, "regression", null], // from 0 %: an infinite relative change, significant
    [100, 110, 10_000, "no_change", 10], // +10 % relative, but p ≈ 0.5
    [100_000, 104_000, 1_000_000, "no_change", 4], // significant (z ≈ 9), below minEffect
    [0, 0, 10_000, "no_change", 0],
  ] as const)("judges error rate %s → %s failures of %s jobs as %s", (before, after, total, verdict, pct) => {
    const { metrics } = compareRuns(
      run(BASELINE, { total, failed: after }),
      run(BASELINE, { total, failed: before }),
    );
    const m = metric(metrics, "error_rate");
    expect(m.test).toBe("two_proportion_z");
    expect(m.verdict).toBe(verdict);
    if (pct === null) expect(m.delta_pct).toBeNull();
    else expect(m.delta_pct).toBeCloseTo(pct, 9);
    expect(m.current).toBe(after / total);
  });

  it("calls the error rate insufficient_data when a run finished fewer than two jobs", () => {
    const { metrics } = compareRuns(run(BASELINE, { total: 1, failed: 1 }), run(BASELINE));
    expect(metric(metrics, "error_rate")).toMatchObject({ verdict: "insufficient_data", p_value: null });
  });

  it.each([
    // metric, baseline, current, verdict (untested: called from a 2 × minEffect = 10 % change)
    ["throughput", 100, 130, "improvement"],
    ["throughput", 100, 70, "regression"],
    ["throughput", 100, 108, "no_change"],
    ["throughput", 100, 89, "regression"],
    ["cost_per_job", 0.01, 0.013, "regression"],
    ["cost_per_job", 0.01, 0.007, "improvement"],
    ["cost_per_job", 0.01, 0.0107, "no_change"],
    ["cost_per_job", null, 0.01, "insufficient_data"],
    ["cost_per_job", 0.01, null, "insufficient_data"],
  ] as const)("judges %s %s → %s as %s without a test", (name, before, after, verdict) => {
    const field = name === "throughput" ? "throughput" : "costPerJob";
    const { metrics } = compareRuns(run(BASELINE, { [field]: after }), run(BASELINE, { [field]: before }));
    expect(metric(metrics, name)).toMatchObject({ verdict, test: "none", p_value: null });
  });

  it("calls the run a regression when one metric regressed and another improved", () => {
    const comparison = compareRuns(run(lognormal(3, 5000, 48), { throughput: 130 }), run(BASELINE));
    expect(metric(comparison.metrics, "throughput").verdict).toBe("improvement");
    expect(comparison.verdict).toBe("regression");
  });

  it("calls the run an improvement when throughput improved and nothing regressed", () => {
    const comparison = compareRuns(run(BASELINE, { throughput: 130 }), run(BASELINE));
    expect(comparison.verdict).toBe("improvement");
  });

  it.each([{ alpha: 0 }, { alpha: 1 }, { minEffect: -0.1 }])("refuses options %o", (options) => {
    expect(() => compareRuns(run(BASELINE), run(BASELINE), options)).toThrow(RangeError);
  });

  it("compares runs of a few thousand buckets each over all eight metrics", () => {
    // Speed is the bench's business, not a test's; this keeps the large case exercised.
    const current = run(lognormal(7, 100_000, 40));
    const baseline = run(lognormal(8, 100_000, 45));
    expect(recordedBuckets(decodeHistogram(current.histogram)).values.length).toBeGreaterThan(3000);
    expect(recordedBuckets(decodeHistogram(baseline.histogram)).values.length).toBeGreaterThan(3000);
    const { metrics } = compareRuns(current, baseline);
    expect(metrics).toHaveLength(8);
    expect(metrics.every((m) => m.verdict !== "insufficient_data")).toBe(true);
  });
});
