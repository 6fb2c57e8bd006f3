import { addEncodedHistogram, latencyHistogram, percentileOf, type RunSnapshot } from "../../engine/index.js";
import type { StepLatency } from "../../rightsizing/capacity.js";

/** What the engine measured over a step's window: after its warm-up, its drain included. */
export interface WindowFigures {
  /** Wall-clock window, epoch ms: from the end of the warm-up to the end of the load. */
  startMs: number;
  endMs: number;
  /** Jobs that finished inside the window, per second of it. */
  throughput: number;
  /** Jobs finished after the warm-up (the drain after the load included). */
  requests: number;
  failed: number;
  errorRate: number | null;
  latencyMs: StepLatency;
}

const ms = (us: number | null) => (us === null ? null : us / 1000);

/**
 * Cuts the warm-up off a step's run. The engine's timeline is per second and counts a job in
 * the second it ends, so the warm-up and the duration are whole seconds, and a job started in
 * the warm-up's last moments counts in the window. Latencies and errors count every job that
 * ended after the warm-up — those still finishing after the load stopped are the slowest, and
 * leaving them out would flatter an overloaded target — while throughput counts the jobs that
 * ended inside the window only. The snapshot must be `mergeable` (per-second histograms).
 */
export function measureWindow(snapshot: RunSnapshot, warmupMs: number, durationMs: number): WindowFigures {
  const from = Math.round(warmupMs / 1000);
  const to = from + Math.round(durationMs / 1000);
  const histogram = latencyHistogram();
  let inWindow = 0;
  let finished = 0;
  let failed = 0;
  let latencySumUs = 0;
  for (const bucket of snapshot.timeline) {
    if (bucket.t < from) continue;
    const ended = bucket.completed + bucket.failed;
    if (bucket.t < to) inWindow += ended;
    finished += ended;
    failed += bucket.failed;
    latencySumUs += bucket.latency_sum_us;
    if (bucket.histogram === undefined) {
      if (ended > 0) throw new Error("measureWindow needs a mergeable snapshot (per-second histograms)");
      continue;
    }
    addEncodedHistogram(histogram, bucket.histogram);
  }
  const timed = histogram.totalCount;
  const startMs = snapshot.started_at_ms + warmupMs;
  const endMs = Math.min(snapshot.ended_at_ms, startMs + durationMs);
  const seconds = Math.max(0, endMs - startMs) / 1000;
  return {
    startMs,
    endMs,
    throughput: seconds > 0 ? inWindow / seconds : 0,
    requests: finished,
    failed,
    errorRate: finished === 0 ? null : failed / finished,
    latencyMs: {
      p50: ms(percentileOf(histogram, 50)),
      p90: ms(percentileOf(histogram, 90)),
      p95: ms(percentileOf(histogram, 95)),
      p99: ms(percentileOf(histogram, 99)),
      p999: ms(percentileOf(histogram, 99.9)),
      mean: timed === 0 ? null : latencySumUs / timed / 1000,
      max: timed === 0 ? null : histogram.maxValue / 1000,
    },
  };
}
