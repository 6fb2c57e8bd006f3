import { describe, expect, it } from "vitest";
import { scoreRequest } from "./evaluate.js";

describe("scoreRequest", () => {
  it.each([
    // usage, request, shortfall, slack
    [[1, 2, 3, 4], 4, 0, (3 / 4 + 2 / 4 + 1 / 4 + 0) / 4],
    [[1, 2, 3, 4], 2, 0.5, (1 / 2 + 0 + 0 + 0) / 4],
    [[5, 5], 1, 1, 0],
    [[1, Number.NaN, 1], 2, 0, 0.5],
  ])("usage %j against request %f: shortfall %f, slack %f", (usage, request, shortfall, slack) => {
    const s = scoreRequest(usage, request);
    expect(s.shortfall).toBeCloseTo(shortfall, 12);
    expect(s.slack).toBeCloseTo(slack, 12);
  });
});
