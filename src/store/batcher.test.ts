import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.js";

/** A write that records its batches and finishes when the test says so. */
function gatedWrite() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  let failNext: Error | undefined;
  const write = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      const error = failNext;
      failNext = undefined;
      gates.push(() => (error ? reject(error) : resolve(items.map((i) => `r${i}`))));
    });
  return {
    write,
    batches,
    open: () => gates.shift()!(),
    inFlight: () => gates.length,
    failNextWith: (error: Error) => {
      failNext = error;
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("Batcher", () => {
  it("writes the items added in one turn together and answers each its own result", async () => {
    const w = gatedWrite();
    const batcher = new Batcher(w.write);
    const results = Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    await turn();
    expect(w.batches).toEqual([[1, 2, 3]]);
    w.open();
    expect(await results).toEqual(["r1", "r2", "r3"]);
  });

  it("gathers what arrives during a write into the next one, one write at a time", async () => {
    const w = gatedWrite();
    const batcher = new Batcher(w.write);
    const first = batcher.add(1);
    await turn();
    const later = [batcher.add(2), batcher.add(3)];
    await turn();
    await turn();
    expect(w.batches).toEqual([[1]]);
    w.open();
    expect(await first).toBe("r1");
    await turn();
    expect(w.batches).toEqual([[1], [2, 3]]);
    w.open();
    expect(await Promise.all(later)).toEqual(["r2", "r3"]);
  });

  it("splits at maxBatch and runs up to maxInFlight writes at once", async () => {
    const w = gatedWrite();
    const batcher = new Batcher(w.write, { maxBatch: 2, maxInFlight: 2 });
    const results = Promise.all([1, 2, 3, 4, 5].map((i) => batcher.add(i)));
    await turn();
    expect(w.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(w.inFlight()).toBe(2);
    w.open();
    await turn();
    expect(w.batches.at(-1)).toEqual([5]);
    w.open();
    w.open();
    expect(await results).toEqual(["r1", "r2", "r3", "r4", "r5"]);
  });

  it("rejects only the items of a failed write, and keeps writing the others", async () => {
    const w = gatedWrite();
    const batcher = new Batcher(w.write);
    w.failNextWith(new Error("database down"));
    const failed = [batcher.add(1), batcher.add(2)];
    await turn();
    const next = batcher.add(3);
    w.open();
    for (const p of failed) await expect(p).rejects.toThrow("database down");
    await turn();
    w.open();
    expect(await next).toBe("r3");
  });

  it("rejects a batch whose write answers the wrong number of results", async () => {
    const batcher = new Batcher(async (items: number[]) => items.slice(1));
    await expect(Promise.all([batcher.add(1), batcher.add(2)])).rejects.toThrow(
      "a batch write answered 1 results for 2 items",
    );
  });

  it("refuses limits below one", () => {
    expect(() => new Batcher(async () => [], { maxBatch: 0 })).toThrow(RangeError);
    expect(() => new Batcher(async () => [], { maxInFlight: 0 })).toThrow(RangeError);
  });
});
