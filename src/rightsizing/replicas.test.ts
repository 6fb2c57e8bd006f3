import { describe, expect, it } from "vitest";
import { seasonalNaive } from "./models/seasonal-naive.js";
import { cpuPerUnit, forecastDemand, recommendReplicas, replicasFor, sumSeries } from "./replicas.js";
import type { UsageSeries } from "./series.js";

describe("replicasFor", () => {
  it.each([
    // peak, capacity, target → replicas
    [700, 100, 0.7, 10],
    [701, 100, 0.7, 11],
    [1, 100, 0.7, 1],
    [0, 100, 0.7, 1],
    [Number.NaN, 100, 0.7, 1],
    [1.4, 0.5, 1, 3],
    [1.5, 0.5, 1, 3],
    [0.6 * 3, 0.6, 1, 3],
  ])("a peak of %f at %f per replica and %f utilisation needs %i replicas", (peak, capacity, target, n) =>
    expect(replicasFor(peak, capacity, target)).toBe(n),
  );

  it("refuses a capacity or target that is not positive", () => {
    expect(() => replicasFor(10, 0, 0.7)).toThrow(RangeError);
    expect(() => replicasFor(10, 5, 0)).toThrow(RangeError);
  });
});

describe("recommendReplicas", () => {
  it("recommends a count when no HPA targets the workload", () => {
    expect(recommendReplicas({ peakDemand: 700, capacityPerReplica: 100, targetUtilisation: 0.7 })).toEqual({
      kind: "replicas",
      replicas: 10,
    });
  });

  const hpa = { minReplicas: 2, maxReplicas: 10, cpuUtilization: 80, memoryUtilization: null };

  it("keeps the target utilisation when the peak fits under the HPA's maximum", () => {
    const r = recommendReplicas({ peakDemand: 600, capacityPerReplica: 100, targetUtilisation: 0.7, hpa });
    expect(r).toMatchObject({
      kind: "hpa",
      minReplicas: 2,
      maxReplicas: 10,
      cpuUtilization: 70,
      replicasAtPeak: 9,
    });
  });

  it("raises the target just enough for the peak to fit under the maximum", () => {
    // 800 rps over 10 replicas of 100 rps: 80 % each; at 70 % it would need 12.
    const r = recommendReplicas({ peakDemand: 800, capacityPerReplica: 100, targetUtilisation: 0.7, hpa });
    expect(r).toMatchObject({ kind: "hpa", maxReplicas: 10, cpuUtilization: 80, replicasAtPeak: 10 });
    if (r.kind === "hpa") expect(r.reason).toContain("rises to 80 %");
  });

  it("raises the maximum instead when the target would exceed the ceiling", () => {
    const r = recommendReplicas({ peakDemand: 950, capacityPerReplica: 100, targetUtilisation: 0.7, hpa });
    expect(r).toMatchObject({ kind: "hpa", maxReplicas: 14, cpuUtilization: 70, replicasAtPeak: 14 });
  });

  it("clamps the minimum to at least one and at most the maximum", () => {
    const r = recommendReplicas({
      peakDemand: 10,
      capacityPerReplica: 100,
      targetUtilisation: 0.7,
      hpa: { ...hpa, minReplicas: 0, maxReplicas: 3 },
    });
    expect(r).toMatchObject({ minReplicas: 1, maxReplicas: 3 });
  });

  it("expresses a request-rate target as the CPU utilisation a replica shows at that load", () => {
    // 70 rps per replica × 0.004 cores per rps = 0.28 cores of a 0.4-core request: 70 %.
    const r = recommendReplicas({
      peakDemand: 600,
      capacityPerReplica: 100,
      targetUtilisation: 0.7,
      hpa,
      cpuPerUnit: 0.004,
      cpuRequestPerReplica: 0.4,
    });
    expect(r).toMatchObject({ kind: "hpa", cpuUtilization: 70 });
    const half = recommendReplicas({
      peakDemand: 600,
      capacityPerReplica: 100,
      targetUtilisation: 0.7,
      hpa,
      cpuPerUnit: 0.004,
      cpuRequestPerReplica: 0.8,
    });
    expect(half).toMatchObject({ cpuUtilization: 35 });
  });

  it("leaves the CPU target unknown when CPU per request cannot be measured", () => {
    const r = recommendReplicas({
      peakDemand: 600,
      capacityPerReplica: 100,
      targetUtilisation: 0.7,
      hpa,
      cpuPerUnit: Number.NaN,
      cpuRequestPerReplica: 0.4,
    });
    expect(r).toMatchObject({ kind: "hpa", cpuUtilization: null, maxReplicas: 10 });
  });
});

const HOUR = 3600_000;
function daily(days: number, level: (hour: number) => number, stepMs = 300_000): UsageSeries {
  const n = (days * 24 * HOUR) / stepMs;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = level(Math.floor((i * stepMs) / HOUR) % 24);
  return { name: "rate", resource: "cpu", startMs: Date.UTC(2026, 0, 1), stepMs, values };
}

describe("forecastDemand", () => {
  it("is the busiest hour of a repeating daily cycle", async () => {
    const series = daily(5, (h) => (h === 14 ? 300 : 100));
    const f = await forecastDemand(series, { models: [seasonalNaive], quantile: 0.97 });
    expect(f.peak).toBeCloseTo(300, 9);
    expect(f.point.length).toBe(24);
    expect(f.upper.indexOf(f.peak)).toBe(14);
    expect(f.startMs).toBe(series.startMs + 5 * 24 * HOUR);
    // The busiest hour whatever the quantile: one hour in 24 (4.2 %) is inside a 0.95 quantile's 5 % tail.
    const at95 = await forecastDemand(series, { models: [seasonalNaive], quantile: 0.95 });
    expect(at95.peak).toBeCloseTo(300, 9);
  });

  it("covers the spread inside the hour, not only the hourly mean", async () => {
    // Every other 5-minute point is 50 above the hour's mean, every other 50 below.
    const series = daily(5, () => 100);
    for (let i = 0; i < series.values.length; i++) series.values[i] = 100 + (i % 2 ? 50 : -50);
    const f = await forecastDemand(series, { models: [seasonalNaive], quantile: 0.97 });
    expect(f.point[0]).toBeCloseTo(100, 9);
    expect(f.peak).toBeCloseTo(150, 9);
  });
});

describe("cpuPerUnit", () => {
  it("divides total CPU by total demand over the times both were measured", () => {
    const demand = daily(1, () => 100);
    const cpu = { ...daily(1, () => 0.5), startMs: demand.startMs + 300_000 };
    demand.values[5] = Number.NaN;
    expect(cpuPerUnit(cpu, demand)).toBeCloseTo(0.005, 12);
    expect(cpuPerUnit(cpu, { ...demand, values: new Float64Array(3) })).toBeNaN();
  });
});

describe("sumSeries", () => {
  it("adds series point by point over the union of their spans, NaN only where none has a number", () => {
    const a = {
      name: "a",
      resource: "cpu",
      startMs: 0,
      stepMs: 10,
      values: Float64Array.from([1, 2, Number.NaN]),
    } as const;
    const b = {
      name: "b",
      resource: "cpu",
      startMs: 10,
      stepMs: 10,
      values: Float64Array.from([10, Number.NaN, 30]),
    } as const;
    const sum = sumSeries("pod", [a, b]);
    expect(sum?.startMs).toBe(0);
    expect(Array.from(sum?.values ?? [])).toEqual([1, 12, Number.NaN, 30]);
    expect(sumSeries("none", [])).toBeUndefined();
  });
});
