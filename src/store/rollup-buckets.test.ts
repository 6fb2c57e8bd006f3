import { describe, expect, it } from "vitest";
import { bucketStart, coverWindow } from "./rollup-buckets.js";

const d = (text: string) => new Date(text);
const iso = (cover: ReturnType<typeof coverWindow>) => ({
  buckets: cover.buckets.map((b) => `${b.level} ${b.from.toISOString()} ${b.to.toISOString()}`),
  raw: cover.raw.map((r) => `${r.from.toISOString()} ${r.to.toISOString()}`),
});

describe("rollup buckets", () => {
  it.each([
    ["hour", "2026-03-15T10:42:13.5Z", "2026-03-15T10:00:00.000Z"],
    ["day", "2026-03-15T10:42:13.5Z", "2026-03-15T00:00:00.000Z"],
    ["month", "2026-03-15T10:42:13.5Z", "2026-03-01T00:00:00.000Z"],
    ["month", "2026-12-31T23:59:59.999Z", "2026-12-01T00:00:00.000Z"],
  ] as const)("start a %s bucket for %s at %s (UTC)", (level, t, start) => {
    expect(bucketStart(level, d(t)).toISOString()).toBe(start);
  });

  it("cover a window with whole months, days and hours, and raw edges under an hour", () => {
    expect(iso(coverWindow(d("2026-01-30T22:30:00Z"), d("2026-04-02T01:15:00Z")))).toEqual({
      buckets: [
        "hour 2026-01-30T23:00:00.000Z 2026-01-31T00:00:00.000Z",
        "day 2026-01-31T00:00:00.000Z 2026-02-01T00:00:00.000Z",
        "month 2026-02-01T00:00:00.000Z 2026-04-01T00:00:00.000Z",
        "day 2026-04-01T00:00:00.000Z 2026-04-02T00:00:00.000Z",
        "hour 2026-04-02T00:00:00.000Z 2026-04-02T01:00:00.000Z",
      ],
      raw: [
        "2026-01-30T22:30:00.000Z 2026-01-30T23:00:00.000Z",
        "2026-04-02T01:00:00.000Z 2026-04-02T01:15:00.000Z",
      ],
    });
  });

  it("cover a window inside one hour with a single raw range, and an aligned one with buckets only", () => {
    expect(iso(coverWindow(d("2026-05-05T10:10:00Z"), d("2026-05-05T10:50:00Z")))).toEqual({
      buckets: [],
      raw: ["2026-05-05T10:10:00.000Z 2026-05-05T10:50:00.000Z"],
    });
    expect(iso(coverWindow(d("2026-05-01T00:00:00Z"), d("2026-07-01T00:00:00Z")))).toEqual({
      buckets: ["month 2026-05-01T00:00:00.000Z 2026-07-01T00:00:00.000Z"],
      raw: [],
    });
  });

  it("cover exactly the window: the pieces are adjacent from start to end", () => {
    const from = d("2025-11-17T07:07:07Z");
    const to = d("2026-02-03T19:45:00Z");
    const pieces = [
      ...coverWindow(from, to).buckets.map((b) => [b.from.getTime(), b.to.getTime()] as const),
      ...coverWindow(from, to).raw.map((r) => [r.from.getTime(), r.to.getTime()] as const),
    ].sort((a, b) => a[0] - b[0]);
    expect(pieces[0]![0]).toBe(from.getTime());
    expect(pieces.at(-1)![1]).toBe(to.getTime());
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]![0]).toBe(pieces[i - 1]![1]);
  });
});
