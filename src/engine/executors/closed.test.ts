import { describe, expect, it } from "vitest";
import { VirtualClock } from "../clock/virtual-clock.js";
import { asyncJob } from "../jobs/job.js";
import { runVirtual } from "../test-support/run.js";

describe("closed model", () => {
  it("runs N jobs at concurrency N in one job's time (the seed's N parallel jobs)", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 100 },
      load: { model: "closed", jobs: 100 },
    });
    expect(r.counts).toMatchObject({ total: 100, completed: 100, failed: 0 });
    expect(r.duration_s).toBeCloseTo(0.1, 9);
    expect(r.latency_ms.mean).toBeCloseTo(100, 6);
    expect(r.throughput).toBeCloseTo(1000, 6);
  });

  it("queues jobs behind the concurrency limit", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 10 },
      load: { model: "closed", jobs: 100, concurrency: 10 },
    });
    expect(r.duration_s).toBeCloseTo(0.1, 9);
    expect(r.latency_ms.max).toBeCloseTo(10, 6);
    expect(r.throughput).toBeCloseTo(1000, 6);
  });

  it("stops starting jobs when the duration is over", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 10 },
      load: { model: "closed", concurrency: 5, duration: "1s" },
    });
    expect(r.counts.total).toBe(500);
    expect(r.duration_s).toBeCloseTo(1, 9);
  });

  it("interrupts jobs still running after the graceful stop", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 5000 },
      load: { model: "closed", concurrency: 3, duration: "1s" },
      graceful_stop: "2s",
    });
    expect(r.counts.failures).toEqual({ interrupted: 3 });
    expect(r.duration_s).toBeCloseTo(3, 6);
    // Interrupted jobs are not latency samples.
    expect(r.latency_ms.mean).toBeNull();
  });

  it("runs zero-duration jobs without timers and still yields to the event loop", async () => {
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 0 },
      load: { model: "closed", jobs: 200_000, concurrency: 10 },
    });
    expect(r.counts.completed).toBe(200_000);
    expect(r.latency_ms.max).toBe(0);
    // On virtual time the run takes no time at all, so it never needs to yield: the real timer
    // fires after the run rather than during it, which is the deterministic behaviour we want.
    expect(timerFired).toBe(false);
  });

  it("counts failures by reason at the configured rate", async () => {
    const r = await runVirtual({
      job: { kind: "synthetic", duration_ms: 1, failure_rate: 0.25 },
      load: { model: "closed", jobs: 20_000, concurrency: 100 },
      seed: 7,
    });
    expect(r.counts.completed + r.counts.failed).toBe(20_000);
    expect(r.counts.failures.synthetic_failure).toBe(r.counts.failed);
    expect(r.error_rate!).toBeGreaterThan(0.24);
    expect(r.error_rate!).toBeLessThan(0.26);
  });

  it("records a job that throws as a job_error failure and keeps going", async () => {
    let n = 0;
    const r = await runVirtual(
      { job: { kind: "synthetic" }, load: { model: "closed", jobs: 10, concurrency: 2 } },
      {
        job: () => {
          const rejecting = asyncJob(() => Promise.reject(new Error("async boom")));
          return {
            run: (index, done, now) => {
              n++;
              if (n % 2 === 0) throw new Error("boom");
              return n % 3 === 0 ? rejecting.run(index, done, now) : undefined;
            },
          };
        },
      },
    );
    expect(r.counts.total).toBe(10);
    // Even calls throw (5), odd multiples of 3 reject (3 and 9).
    expect(r.counts.failures.job_error).toBe(7);
  });

  it("ends promptly with what it measured when cancelled", async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    clock.createTimers().schedule(250, () => controller.abort(), true, false);
    const r = await runVirtual(
      { job: { kind: "synthetic", duration_ms: 100 }, load: { model: "closed", jobs: 1000, concurrency: 1 } },
      { clock, signal: controller.signal },
    );
    expect(r.cancelled).toBe(true);
    expect(r.counts.completed).toBe(2);
    expect(r.counts.failures).toEqual({ interrupted: 1 });
    expect(r.duration_s).toBeCloseTo(0.25, 6);
  });
});
