import { describe, expect, it } from "vitest";
import { confidenceOf } from "./confidence.js";

const base = {
  historyHours: 7 * 24,
  missingShare: 0,
  fusedMase: 0.5,
  naiveMase: 1,
  achievedCoverage: 0.95,
  targetQuantile: 0.95,
  recentChangepoint: false,
  incidents: false,
};

describe("confidenceOf", () => {
  it.each([
    ["a week of complete data, skilful, on target", {}, 1],
    ["three and a half days", { historyHours: 84 }, 0.5],
    ["a quarter of the points missing", { missingShare: 0.25 }, 0.75],
    ["no better than seasonal naive", { fusedMase: 1 }, 0.75],
    ["covering 90 % when aiming at 95 %", { achievedCoverage: 0.9 }, 0.5],
    ["a recent level change", { recentChangepoint: true }, 0.7],
    ["OOM kills or throttling", { incidents: true }, 0.7],
    [
      "worse than seasonal naive by half, and a level change",
      { fusedMase: 1.5, recentChangepoint: true },
      0.35,
    ],
  ])("%s gives %f", (_, change, expected) => {
    expect(confidenceOf({ ...base, ...change }).score).toBe(expected);
  });
});
