import { describe, expect, it } from "vitest";
import { execute, type Job, PENDING, parseWorkloadSpec, VirtualClock } from "../../engine/index.js";
import { measureWindow } from "./experiment-window.js";

/**
 * A target answering in `slowMs` during the first half second (a cold cache) and in `fastMs`
 * afterwards, failing every `failEvery`-th job started after the first second.
 */
function warmingTarget(clock: VirtualClock, { slowMs = 100, fastMs = 10, failEvery = 0 } = {}): Job {
  const timers = clock.createTimers();
  return {
    run: (index, done) => {
      const warm = clock.now() >= 500;
      const outcome =
        clock.now() >= 1000 && failEvery > 0 && index % failEvery === 0 ? "status_500" : undefined;
      timers.schedule(warm ? fastMs : slowMs, done, outcome, "interrupted");
      return PENDING;
    },
  };
}

async function run(
  rate: number,
  seconds: number,
  options: Parameters<typeof warmingTarget>[1] = {},
  abortAtMs?: number,
) {
  const parsed = parseWorkloadSpec({
    job: { kind: "synthetic" },
    load: { model: "open", rate, duration: `${seconds}s` },
    graceful_stop: "1s",
  });
  if (!parsed.success) throw new Error(parsed.error.message);
  const clock = new VirtualClock();
  const controller = new AbortController();
  if (abortAtMs !== undefined)
    clock.createTimers().schedule(abortAtMs, () => controller.abort(), undefined, undefined);
  return execute(parsed.data, warmingTarget(clock, options), {
    clock,
    mergeable: true,
    signal: controller.signal,
  });
}

describe("a step's window", () => {
  it("leaves the warm-up's latencies out and counts throughput over the window", async () => {
    const snapshot = await run(100, 3);
    const whole = measureWindow(snapshot, 0, 3000);
    const window = measureWindow(snapshot, 1000, 2000);
    // The warm-up's 100 ms requests weigh on the whole run's tail, not on the window's.
    expect(whole.latencyMs.p99).toBeCloseTo(100, 0);
    expect(window.latencyMs.p50).toBeCloseTo(10, 1);
    expect(window.latencyMs.p99).toBeCloseTo(10, 1);
    expect(window.latencyMs.max).toBeCloseTo(10, 1);
    expect(window.latencyMs.mean).toBeCloseTo(10, 6);
    expect(window.throughput).toBeCloseTo(100, 6);
    // Jobs count in the second they end: the one started at 0.99 s ends at 1 s, in the window.
    expect(window.requests).toBe(201);
    expect(window.errorRate).toBe(0);
    expect(window.endMs - window.startMs).toBe(2000);
    expect(window.startMs).toBe(snapshot.started_at_ms + 1000);
  });

  it("counts the window's failures in its error rate", async () => {
    const snapshot = await run(100, 3, { failEvery: 10 });
    // 20 of the 201 jobs that ended in the window failed.
    expect(measureWindow(snapshot, 1000, 2000).errorRate).toBeCloseTo(20 / 201, 9);
  });

  it("keeps jobs finishing after the load in the latencies but not in the throughput", async () => {
    // Every job takes 100 ms: the 5 started in the last 100 ms end after the load stops.
    const snapshot = await run(50, 2, { slowMs: 100, fastMs: 100 });
    const window = measureWindow(snapshot, 1000, 1000);
    expect(window.requests).toBe(55);
    expect(window.throughput).toBeCloseTo(50, 6);
    expect(window.latencyMs.p50).toBeCloseTo(100, 0);
  });

  it("ends a cut-short step's window where the run stopped", async () => {
    const snapshot = await run(100, 3, {}, 1500);
    expect(snapshot.cancelled).toBe(true);
    const window = measureWindow(snapshot, 1000, 2000);
    expect(window.endMs).toBe(snapshot.ended_at_ms);
    expect(window.endMs - window.startMs).toBeLessThan(1000);
  });

  it("needs the per-second histograms of a mergeable run", async () => {
    const parsed = parseWorkloadSpec({
      job: { kind: "synthetic" },
      load: { model: "open", rate: 10, duration: "2s" },
    });
    if (!parsed.success) throw new Error(parsed.error.message);
    const clock = new VirtualClock();
    const snapshot = await execute(parsed.data, warmingTarget(clock), { clock });
    expect(() => measureWindow(snapshot, 1000, 1000)).toThrow(/mergeable/);
  });
});
