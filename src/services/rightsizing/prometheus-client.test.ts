import { describe, expect, it } from "vitest";
import { MAX_POINTS_PER_REQUEST, mergeChunks, rangeChunks } from "./prometheus-client.js";

describe("rangeChunks", () => {
  it.each([
    { start: 0, end: 60 * 20_160, step: 60, chunks: 2 },
    { start: 0, end: 300 * 4032, step: 300, chunks: 1 },
    { start: 100, end: 100 + 10 * 10_999, step: 10, chunks: 1 },
    { start: 100, end: 100 + 10 * 11_000, step: 10, chunks: 2 },
    { start: 5, end: 5, step: 60, chunks: 1 },
  ])(
    "splits [$start, $end] at step $step into $chunks request(s) that cover every point once",
    ({ start, end, step, chunks }) => {
      const parts = rangeChunks(start, end, step);
      expect(parts).toHaveLength(chunks);
      expect(parts[0]?.start).toBe(start);
      expect(parts.at(-1)?.end).toBe(end);
      for (const [i, p] of parts.entries()) {
        expect((p.end - p.start) / step + 1).toBeLessThanOrEqual(MAX_POINTS_PER_REQUEST);
        if (i > 0) expect(p.start).toBe((parts[i - 1]?.end as number) + step);
      }
    },
  );
});

describe("mergeChunks", () => {
  it("merges a label set across chunks whatever the labels' order, times ascending and once", () => {
    const merged = mergeChunks([
      [{ labels: { namespace: "a", container: "x" }, times: [1, 2], values: [10, 20] }],
      [
        { labels: { container: "x", namespace: "a" }, times: [3, 2], values: [30, 21] },
        { labels: { container: "y" }, times: [1], values: [Number.NaN] },
      ],
    ]);
    expect(merged).toEqual([
      { labels: { container: "x", namespace: "a" }, times: [1, 2, 3], values: [10, 21, 30] },
      { labels: { container: "y" }, times: [1], values: [Number.NaN] },
    ]);
    expect(Object.keys(merged[0]?.labels ?? {})).toEqual(["container", "namespace"]);
  });
});
