import { describe, expect, it } from "vitest";
import type { VirtualClock } from "../clock/virtual-clock.js";
import { type Job, PENDING } from "../jobs/job.js";
import { runVirtual } from "../test-support/run.js";

/**
 * A target that answers in `serviceMs`, one request at a time (like a single connection), and
 * freezes completely for `stallMs` at `stallAt`.
 */
function stallingTarget(clock: VirtualClock, { serviceMs = 1, stallAt = 1000, stallMs = 1000 } = {}): Job {
  const timers = clock.createTimers();
  let busyUntil = 0;
  return {
    run: (_index, done) => {
      const now = clock.now();
      let begin = Math.max(now, busyUntil);
      if (begin >= stallAt && begin < stallAt + stallMs) begin = stallAt + stallMs;
      busyUntil = begin + serviceMs;
      timers.schedule(busyUntil - now, done, undefined, "interrupted");
      return PENDING;
    },
  };
}

describe("open model", () => {
  it("starts jobs at the requested rate regardless of how long they take", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 250 },
      load: { model: "open", rate: 100, duration: "2s" },
    });
    expect(r.counts.total).toBe(200);
    expect(r.counts.late_starts).toBe(0);
    expect(r.latency_ms.max).toBeCloseTo(250, 6);
    // Last job starts at 1.99 s and takes 0.25 s.
    expect(r.duration_s).toBeCloseTo(2.24, 6);
  });

  it("measures from the intended start, so a stalled target is not hidden (coordinated omission)", async () => {
    const load = { model: "open" as const, rate: 100, duration: "3s", max_in_flight: 1 };
    const open = await runVirtual({ job: { kind: "synthetic" }, load }, { job: (c) => stallingTarget(c) });
    const closed = await runVirtual(
      { job: { kind: "synthetic" }, load: { model: "closed", jobs: 3000, concurrency: 1 } },
      { job: (c) => stallingTarget(c) },
    );
    // 1 s of stall at 100 jobs/s: 100 jobs were due during it and waited up to a second.
    expect(open.counts.late_starts).toBeGreaterThanOrEqual(99);
    expect(open.latency_ms.p95!).toBeGreaterThan(300);
    expect(open.latency_ms.max!).toBeGreaterThan(990);
    // A closed loop sees one slow job and calls everything else fast.
    expect(closed.latency_ms.p95!).toBeLessThan(1.01);
    expect(closed.latency_ms.max!).toBeGreaterThan(990);
  });

  it("ramps the arrival rate linearly through stages", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 1 },
      load: {
        model: "stages",
        target: "rate",
        stages: [
          { duration: "10s", target: 100 },
          { duration: "10s", target: 100 },
          { duration: "10s", target: 0 },
        ],
      },
    });
    // Area under the rate curve: 500 + 1000 + 500.
    expect(r.counts.total).toBe(2000);
    const perSecond = r.timeline.map((p) => p.throughput);
    expect(perSecond[0]).toBeLessThanOrEqual(10);
    expect(perSecond[15]).toBe(100);
    expect(perSecond[9]).toBeGreaterThan(90);
  });

  it("follows a concurrency ramp with closed workers", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 100 },
      load: {
        model: "stages",
        target: "concurrency",
        start: 10,
        stages: [
          { duration: "2s", target: 10 },
          { duration: "2s", target: 30 },
        ],
      },
    });
    const perSecond = r.timeline.map((p) => p.throughput);
    // 10 workers × 10 jobs/s, then rising towards 30 × 10. Jobs ending at exactly t = 1 s
    // belong to second 1, so second 0 holds nine rounds.
    expect(perSecond[0]).toBe(90);
    expect(perSecond[1]).toBe(100);
    expect(perSecond[3]!).toBeGreaterThan(200);
    expect(r.counts.failed).toBe(0);
  });
});
