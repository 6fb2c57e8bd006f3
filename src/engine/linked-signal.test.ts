import { describe, expect, it } from "vitest";
import { linkSignals } from "./linked-signal.js";

describe("linkSignals", () => {
  it("aborts with the reason of the first source that aborts", () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals([a.signal, b.signal]);
    expect(linked.signal.aborted).toBe(false);
    b.abort("stop b");
    a.abort("stop a");
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe("stop b");
  });

  it("is aborted at once when a source already is", () => {
    const a = new AbortController();
    a.abort("early");
    const linked = linkSignals([new AbortController().signal, a.signal]);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe("early");
  });

  it("no longer follows its sources once unlinked", () => {
    const a = new AbortController();
    const linked = linkSignals([a.signal]);
    linked.unlink();
    a.abort();
    expect(linked.signal.aborted).toBe(false);
  });
});
