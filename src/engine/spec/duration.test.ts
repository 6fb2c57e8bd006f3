import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.js";

describe("durations", () => {
  it.each([
    ["10s", 10_000],
    ["250ms", 250],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["500us", 0.5],
    ["2", 2000],
    [3, 3000],
    [0.25, 250],
  ] as const)("parses %s as %d ms", (input, ms) => {
    expect(parseDuration(input)).toBeCloseTo(ms, 9);
  });

  it.each(["", "ten seconds", "10 s", "5x", "-1s", "1s2"])("rejects %j", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([
    [0.25, "250µs"],
    [1.234, "1.23ms"],
    [123.45, "123.5ms"],
    [1520, "1.52s"],
    [125_000, "2m05s"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
