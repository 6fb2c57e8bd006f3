import { describe, expect, it } from "vitest";
import { assessQuality } from "./quality.js";
import type { UsageSeries } from "./series.js";

const STEP = 300_000;
const series = (values: number[]): UsageSeries => ({
  name: "s",
  resource: "cpu",
  startMs: Date.UTC(2026, 0, 5),
  stepMs: STEP,
  values: Float64Array.from(values),
});
const daily = (days: number) =>
  Array.from(
    { length: days * 288 },
    (_, i) => 1 + 0.5 * Math.sin((2 * Math.PI * i) / 288) + 0.01 * Math.sin(i * 7.3),
  );

describe("assessQuality", () => {
  it.each([
    ["all NaN", Array(4 * 288).fill(Number.NaN), "every point is missing (NaN or absent)"],
    [
      "flat",
      Array(4 * 288).fill(0.25),
      "flat: every sample is 0.25 — a stuck or idle metric, nothing to forecast",
    ],
    ["too short", daily(2), "too little history: 48.0 h, at least 72 h are needed"],
    [
      "mostly missing",
      daily(4).map((v, i) => (i % 3 === 0 ? v : Number.NaN)),
      "66.7 % of the points are missing (at most 50.0 %)",
    ],
  ])("refuses a series that is %s, saying why", (_, values, reason) => {
    const report = assessQuality(series(values));
    expect(report.verdict).toBe("unusable");
    expect(report.reasons).toEqual([reason]);
  });

  it("passes a complete, regular week", () => {
    const report = assessQuality(series(daily(7)));
    expect(report.verdict).toBe("ok");
    expect(report.reasons).toEqual([]);
    expect(report.missingShare).toBe(0);
    expect(report.historyHours).toBe(168);
    expect(report.dailyCv).toHaveLength(7);
  });

  it("warns of gaps, and of a level change in the last two days", () => {
    const values = daily(7).map((v, i) => (i >= 6 * 288 ? v * 4 : v));
    for (let i = 100; i < 200; i++) values[i] = Number.NaN;
    const report = assessQuality(series(values));
    expect(report.verdict).toBe("warning");
    expect(report.gaps).toBe(1);
    expect(report.longestGapMinutes).toBe(500);
    expect(report.reasons).toContain("a gap of 8.3 h");
    // The level quadruples at 2026-01-11 00:00; BOCPD on 3-hour blocks places it within a block or two.
    const shift = Date.UTC(2026, 0, 11);
    expect(report.changepoints.some((t) => Math.abs(Date.parse(t) - shift) <= 6 * 3600_000)).toBe(true);
    expect(report.outlierDays).toEqual(["2026-01-11"]);
    expect(report.reasons.some((r) => r.startsWith("a level change in the last 2 days"))).toBe(true);
  });
});
