import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.js";
import {
  decodeHistogram,
  encodeHistogram,
  FastRecorder,
  IntervalHistograms,
  latencyHistogram,
} from "./histogram.js";

describe("fast histogram recording", () => {
  it("fills exactly the buckets the library's recordValue fills, across the whole range", () => {
    const random = seededRandom(11);
    const fast = latencyHistogram();
    const slow = latencyHistogram();
    const fastRecorder = new FastRecorder(fast);
    const record = (v: number) => fastRecorder.record(v);
    for (let i = 0; i < 200_000; i++) {
      // Log-uniform over 0 µs … 2 h, plus exact powers of two and their neighbours.
      const value =
        i % 50 === 0 ? 2 ** (i % 33) - (i % 3) + 1 : Math.floor(Math.exp(random.next() * Math.log(7.2e9)));
      record(value);
      slow.recordValue(value);
    }
    fast.establishInternalTackingValues(fast.countsArrayLength);
    expect(fast.countsArrayLength).toBe(slow.countsArrayLength);
    expect(Array.from(fast._counts)).toEqual(Array.from(slow._counts));
    expect(fast.totalCount).toBe(slow.totalCount);
    // Re-derived totals report the top of the highest bucket; the recorder keeps the exact max itself.
    expect(fast.maxValue).toBe(slow.highestEquivalentValue(slow.maxValue));
    for (const p of [50, 90, 99, 99.9, 100])
      expect(fast.getValueAtPercentile(p)).toBe(slow.getValueAtPercentile(p));
  });

  it("encodes to HdrHistogram's compressed form and back without loss", () => {
    const h = latencyHistogram();
    const fastRecorder = new FastRecorder(h);
    const record = (v: number) => fastRecorder.record(v);
    for (let v = 1; v < 100_000; v += 7) record(v);
    h.establishInternalTackingValues(h.countsArrayLength);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(h.totalCount);
    expect(back.getValueAtPercentile(99)).toBe(h.getValueAtPercentile(99));
  });

  it("says how many counts hold what it recorded, so that a scan of them gives the same totals", () => {
    const h = latencyHistogram();
    const fastRecorder = new FastRecorder(h);
    expect(fastRecorder.coveredLength).toBe(0);
    for (const v of [106, 250, 3, 1999]) fastRecorder.record(v);
    const covered = fastRecorder.coveredLength;
    expect(covered).toBe(h.countsArrayIndex(1999) + 1);
    expect(covered).toBeLessThan(h.countsArrayLength / 2);
    h.establishInternalTackingValues(covered);
    const partial = [h.totalCount, h.minNonZeroValue, h.maxValue];
    h.establishInternalTackingValues(h.countsArrayLength);
    expect(partial).toEqual([h.totalCount, h.minNonZeroValue, h.maxValue]);
    expect(partial[0]).toBe(4);
    // A value beyond the fast range takes the library's path (and resizes): all of it then.
    fastRecorder.record(3_600_000_000);
    expect(h.countsArrayLength).toBeGreaterThan(covered);
    expect(fastRecorder.coveredLength).toBe(h.countsArrayLength);
  });

  it("yields what was recorded since the previous interval", () => {
    const h = latencyHistogram();
    const fastRecorder = new FastRecorder(h);
    const record = (v: number) => fastRecorder.record(v);
    const intervals = new IntervalHistograms(h);
    [10, 20, 30].forEach(record);
    expect(intervals.next().totalCount).toBe(3);
    [1000, 2000].forEach(record);
    const second = intervals.next();
    expect(second.totalCount).toBe(2);
    expect(second.getValueAtPercentile(0)).toBe(1000);
    expect(intervals.next().totalCount).toBe(0);
  });
});

describe("adding histograms", () => {
  it("gives the library's own sum, counts, extremes and percentiles included, across different ranges", async () => {
    const { addHistogram, decodeHistogram, encodeHistogram, latencyHistogram } = await import(
      "./histogram.js"
    );
    const { Float64Histogram } = await import("hdr-histogram-js");
    // Another producer's range (1 µs … 1 s): same precision, a shorter counts array.
    const small = new Float64Histogram(1, 1_000_000, 3);
    const large = latencyHistogram(3_600_000_000);
    for (let i = 1; i <= 500; i++) small.recordValue(1000 + i * 37);
    for (let i = 1; i <= 300; i++) large.recordValue(50_000 + i * i * 91);
    const a = decodeHistogram(encodeHistogram(small));
    const b = decodeHistogram(encodeHistogram(large));
    expect(a.countsArrayLength).not.toBe(b.countsArrayLength);
    const expected = decodeHistogram(encodeHistogram(small));
    expected.autoResize = true;
    expected.add(decodeHistogram(encodeHistogram(large)));

    a.autoResize = true;
    addHistogram(a, b);
    expect(a.totalCount).toBe(800);
    expect(a.highestEquivalentValue(a.maxValue)).toBe(expected.highestEquivalentValue(expected.maxValue));
    expect(a.minNonZeroValue).toBe(expected.minNonZeroValue);
    for (const p of [0, 1, 25, 50, 90, 99, 99.9, 100])
      expect(a.getValueAtPercentile(p)).toBe(expected.getValueAtPercentile(p));
    expect(a.mean).toBeCloseTo(expected.mean, 9);

    // And the other way round: a small target grows to take a larger source.
    const c = decodeHistogram(encodeHistogram(large));
    c.autoResize = true;
    addHistogram(c, decodeHistogram(encodeHistogram(small)));
    expect(c.getValueAtPercentile(50)).toBe(expected.getValueAtPercentile(50));
    expect(c.totalCount).toBe(800);
  });
});

describe("adding encoded histograms", () => {
  it.each([
    ["small values", 1, 500, 17],
    ["large values needing multi-byte counts", 40_000, 3_000_000_000, 99_991],
    ["a single value recorded many times", 12_345, 12_345, 1],
  ])("gives what decoding and adding gives, for %s", async (_, from, to, step) => {
    const { addEncodedHistogram, addHistogram, decodeHistogram, encodeHistogram, latencyHistogram } =
      await import("./histogram.js");
    const source = latencyHistogram();
    for (let v = from; v <= to; v += step) source.recordValueWithCount(v, 1 + (v % 300));
    source.recordValueWithCount(from, 70_000);
    const encoded = encodeHistogram(source);
    const viaDecode = latencyHistogram();
    const direct = latencyHistogram();
    for (const target of [viaDecode, direct]) target.recordValue(777);
    // Not remembered, remembered, read remembered, read remembered without remembering.
    for (const remember of [false, true, true, false]) {
      addEncodedHistogram(direct, encoded, { remember });
      addHistogram(viaDecode, decodeHistogram(encoded));
    }
    expect(direct.totalCount).toBe(viaDecode.totalCount);
    expect(direct.minNonZeroValue).toBe(viaDecode.minNonZeroValue);
    expect(direct.highestEquivalentValue(direct.maxValue)).toBe(
      viaDecode.highestEquivalentValue(viaDecode.maxValue),
    );
    for (const p of [0, 10, 50, 90, 99, 99.99, 100])
      expect(direct.getValueAtPercentile(p)).toBe(viaDecode.getValueAtPercentile(p));
  });

  it("stays exact when more encodings pass than their remembered payloads can hold", async () => {
    const { addEncodedHistogram, encodeHistogram, latencyHistogram } = await import("./histogram.js");
    // ~25 KB each (key and payload): 1,100 of them are past the 24 MB the payloads may take, so
    // the first ones are forgotten and inflated again when they come back.
    const source = latencyHistogram();
    for (let v = 1; v <= 2_000_000; v += 37) source.recordValueWithCount(v, 1 + (v % 300));
    const encodings: string[] = [];
    const totals: number[] = [];
    for (let i = 0; i < 1100; i++) {
      source.recordValue(2_000_000 + i);
      encodings.push(encodeHistogram(source));
      totals.push(source.totalCount);
    }
    const target = latencyHistogram();
    for (const encoded of encodings) addEncodedHistogram(target, encoded);
    for (const encoded of encodings.slice(0, 10)) addEncodedHistogram(target, encoded);
    const expected = totals.reduce((a, b) => a + b, 0) + totals.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(target.totalCount).toBe(expected);
    expect(target.highestEquivalentValue(target.maxValue)).toBe(
      source.highestEquivalentValue(2_000_000 + 1099),
    );
    expect(target.minNonZeroValue).toBe(1);
  });
});
