import { describe, expect, it } from "vitest";
import type { UsageSeries } from "../series.js";
import { bucketStart, DecayingHistogram, VPA_CPU_HISTOGRAM } from "./exponential-histogram.js";
import { krrCpuRequest, krrMemory } from "./krr.js";
import { vpaCpuTarget, vpaMemoryTarget } from "./vpa.js";

const HOUR = 3600_000;
const series = (values: number[], stepMs = HOUR, resource: "cpu" | "memory" = "cpu"): UsageSeries => ({
  name: "s",
  resource,
  startMs: 0,
  stepMs,
  values: Float64Array.from(values),
});

describe("VPA's exponential histogram", () => {
  it.each([
    [0, 0],
    [1, 0.01],
    [2, 0.0205],
    [3, 0.031525],
  ])("bucket %i starts at %f cores", (bucket, start) => {
    expect(bucketStart(VPA_CPU_HISTOGRAM, bucket)).toBeCloseTo(start, 12);
  });

  it("has VPA's 176 CPU buckets", () => {
    expect(new DecayingHistogram(VPA_CPU_HISTOGRAM, HOUR).bucketCount).toBe(176);
  });

  it("answers a percentile with the end of the bucket holding it", () => {
    const h = new DecayingHistogram(VPA_CPU_HISTOGRAM, 24 * HOUR);
    for (let i = 0; i < 9; i++) h.add(0.5, 1, 0);
    h.add(1, 1, 0);
    // 0.5 cores fall in bucket 25 (0.477…0.511); P90 is reached there: its end is bucket 26's start.
    expect(h.percentile(0.9)).toBeCloseTo(bucketStart(VPA_CPU_HISTOGRAM, 26), 12);
    expect(h.percentile(0.9)).toBeCloseTo(0.511134537589, 9);
  });

  it("halves a sample's weight for every half-life it is older than the newest", () => {
    const h = new DecayingHistogram(VPA_CPU_HISTOGRAM, 24 * HOUR);
    // 1 core a day ago weighs 1, 0.1 core now weighs 2: P50 lands on 0.1 core, P70 on 1 core.
    h.add(1, 1, 0);
    h.add(0.1, 1, 24 * HOUR);
    // 0.1 core is in bucket 8, 1 core in bucket 36; percentiles answer the buckets' ends.
    expect(h.percentile(0.5)).toBeCloseTo(bucketStart(VPA_CPU_HISTOGRAM, 9), 12);
    expect(h.percentile(0.7)).toBeCloseTo(bucketStart(VPA_CPU_HISTOGRAM, 37), 12);
    expect(bucketStart(VPA_CPU_HISTOGRAM, 37)).toBeCloseTo(1.016, 3);
  });
});

describe("VPA targets", () => {
  it("gives CPU P90 × 1.15", () => {
    const values = Array.from({ length: 100 }, (_, i) => (i < 90 ? 0.2 : 2));
    // Equal weights would put P90 at 0.2; the 2-core samples are the newest, so they weigh more.
    const decayed = vpaCpuTarget(series(values, 60_000));
    expect(decayed / 1.15).toBeGreaterThan(2);
    expect(decayed / 1.15).toBeLessThan(2.1);
  });

  it("gives memory P90 × 1.15 of the daily peaks", () => {
    const GB = 1e9;
    // Two days: peaks 1 GB then 2 GB, the second weighs twice the first (a half-life newer).
    const values = [...Array(24).fill(0.5 * GB), ...Array(23).fill(0.5 * GB), 2 * GB];
    const target = vpaMemoryTarget(series(values, HOUR, "memory"));
    expect(target / 1.15).toBeGreaterThan(2 * GB);
    expect(target / 1.15).toBeLessThan(2.1 * GB);
  });

  it("counts an OOM kill as a peak 20 % above the memory at the kill", () => {
    const GB = 1e9;
    const values = Array(48).fill(1 * GB);
    const target = vpaMemoryTarget(series(values, HOUR, "memory"), [30 * HOUR]);
    expect(target / 1.15).toBeGreaterThan(1.2 * GB);
    expect(target / 1.15).toBeLessThan(1.27 * GB);
  });
});

describe("KRR simple", () => {
  it("takes CPU P95 and memory max + 15 %", () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    expect(krrCpuRequest(series(values))).toBeCloseTo(95, 9);
    expect(krrMemory(series(values))).toBeCloseTo(115, 9);
  });

  it("looks back 336 hours only", () => {
    const values = [1000, ...Array(336).fill(1)];
    expect(krrMemory(series(values))).toBeCloseTo(1.15, 9);
  });
});
