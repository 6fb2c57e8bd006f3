import { describe, expect, it } from "vitest";
import { weekendIndicator, weekendOffset } from "./weekend-offset.js";

/** Monday 2026-01-05 00:00 UTC, in seconds. */
const MONDAY = Date.UTC(2026, 0, 5) / 1000;
const HOUR = 3600;

describe("weekendIndicator", () => {
  it("marks Saturday and Sunday hours (UTC) and nothing else", () => {
    const weekend = weekendIndicator(MONDAY, HOUR);
    const days = Array.from({ length: 8 }, (_, d) => weekend(d * 24 + 12));
    expect(days).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
    // Friday 23:00 is a weekday, Saturday 00:00 the weekend.
    expect([weekend(5 * 24 - 1), weekend(5 * 24)]).toEqual([0, 1]);
  });
});

describe("weekendOffset", () => {
  const weekend = weekendIndicator(MONDAY, HOUR);
  const cycle = (i: number) => Math.sin((2 * Math.PI * i) / 24) + 0.3 * Math.cos((4 * Math.PI * i) / 24);

  it.each([
    [-0.7, 8],
    [0.25, 10],
    [0, 13],
  ])("recovers an offset of %d on a daily cycle from %d days", (offset, days) => {
    const values = Array.from({ length: days * 24 }, (_, i) => 2 + cycle(i) + offset * weekend(i));
    expect(weekendOffset(values, 24, weekend)).toBeCloseTo(offset, 12);
  });

  it("is 0 when the history never crosses into or out of a weekend", () => {
    const values = Array.from({ length: 5 * 24 }, (_, i) => 2 + cycle(i) + 0.01 * i);
    expect(weekendOffset(values, 24, weekend)).toBe(0);
  });
});
