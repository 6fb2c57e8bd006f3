import { describe, expect, it } from "vitest";
import { ENGINE_LIMITS } from "../../engine/index.js";
import { RunSpecCache } from "./run-spec-cache.js";

const stored = (jobs: number) => ({
  automation: { id: 1, name: "a", kind: "synthetic", config: { duration_ms: 1 } },
  load: { model: "closed", jobs },
});

describe("RunSpecCache", () => {
  it("parses a stored spec once, answering the same frozen result for the same spec", () => {
    const cache = new RunSpecCache(ENGINE_LIMITS);
    const first = cache.parse(stored(5));
    expect(cache.parse(JSON.parse(JSON.stringify(stored(5))))).toBe(first);
    expect(first.spec.load).toMatchObject({ model: "closed", jobs: 5 });
    expect(Object.isFrozen(first.spec.load)).toBe(true);
    expect(cache.parse(stored(6))).not.toBe(first);
  });

  it("forgets the oldest spec beyond its size", () => {
    const cache = new RunSpecCache(ENGINE_LIMITS, 2);
    const first = cache.parse(stored(1));
    cache.parse(stored(2));
    cache.parse(stored(3));
    expect(cache.parse(stored(1))).not.toBe(first);
  });

  it("throws for a spec Aurea cannot run, and remembers nothing of it", () => {
    const cache = new RunSpecCache(ENGINE_LIMITS);
    expect(() => cache.parse({ automation: { kind: "ftp" } })).toThrow();
    expect(() => cache.parse(stored(-1))).toThrow();
  });
});
