import { describe, expect, it } from "vitest";
import { modelsByName } from "../models/index.js";
import { recommendSeries } from "../recommend.js";
import type { UsageSeries } from "../series.js";
import { recommendInThreads } from "./recommend-in-threads.js";

const PER_DAY = 288;
const series = (name: string, level: number): UsageSeries => ({
  name,
  resource: "cpu",
  startMs: Date.UTC(2026, 0, 5),
  stepMs: 300_000,
  values: Float64Array.from(
    { length: 8 * PER_DAY },
    (_, i) => level * (1 + 0.3 * Math.sin((2 * Math.PI * i) / PER_DAY) + 0.05 * Math.sin(i * 1.3)),
  ),
});

describe("recommendInThreads", () => {
  it("gives each series what the main thread would, its OOM kills and throttling included", async () => {
    const all = [series("a", 1), series("b", 2), series("c", 0.5)];
    const incidents = (s: UsageSeries) => ({
      oomKillsAt: s.name === "b" ? [Date.UTC(2026, 0, 12)] : [],
      throttled: s.name === "c",
    });
    const threaded = await recommendInThreads(all, { models: ["seasonal_naive", "mstl"] }, 2, incidents);
    const models = modelsByName(["seasonal_naive", "mstl"]);
    for (const [i, s] of all.entries()) {
      const here = await recommendSeries(s, { models, ...incidents(s) });
      expect(threaded[i]).toEqual(here);
    }
    const events = threaded.map((r) => (r.ok ? r.recommendation.confidenceParts.events : Number.NaN));
    expect(events).toEqual([1, 0.7, 0.7]);
  });
});
