import { describe, expect, it } from "vitest";
import { CoalescedReads } from "./coalesced-read.js";

/** A computation that resolves when told to, counting how many were started. */
function gate() {
  const started: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const compute = () =>
    new Promise<number>((resolve, reject) => {
      started.push({ resolve, reject });
    });
  return { started, compute };
}

describe("CoalescedReads", () => {
  it("a read while one is in flight shares the next computation, not the running one", async () => {
    const reads = new CoalescedReads<number>();
    const { started, compute } = gate();
    const first = reads.read("k", compute);
    const second = reads.read("k", compute);
    const third = reads.read("k", compute);
    expect(started).toHaveLength(1);
    started[0]?.resolve(1);
    expect(await first).toBe(1);
    await new Promise((r) => setImmediate(r));
    // The reads that arrived during the first computation got one new computation between them.
    expect(started).toHaveLength(2);
    started[1]?.resolve(2);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
  });

  it("keys are independent, and a failure reaches only the reads that shared it", async () => {
    const reads = new CoalescedReads<number>();
    const { started, compute } = gate();
    const a = reads.read("a", compute);
    const b = reads.read("b", compute);
    expect(started).toHaveLength(2);
    const aAgain = reads.read("a", compute);
    started[0]?.reject(new Error("store down"));
    await expect(a).rejects.toThrow("store down");
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(3);
    started[2]?.resolve(7);
    expect(await aAgain).toBe(7);
    started[1]?.resolve(5);
    expect(await b).toBe(5);
    // Nothing left in flight: the next read starts afresh.
    const later = reads.read("a", compute);
    expect(started).toHaveLength(4);
    started[3]?.resolve(9);
    expect(await later).toBe(9);
  });
});
