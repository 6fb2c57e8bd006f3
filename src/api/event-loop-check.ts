import { monitorEventLoopDelay } from "node:perf_hooks";
import type { ReadinessCheck } from "./routes/health-routes.js";

/**
 * Readiness of the event loop: down when its delay (p99 over the last interval) exceeds
 * `maxLagMs`, for example while a CPU-bound benchmark holds the thread.
 */
export function eventLoopCheck(maxLagMs = 1000): { check: ReadinessCheck; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  const check: ReadinessCheck = () => {
    const lagMs = histogram.percentile(99) / 1e6;
    histogram.reset();
    return { status: lagMs > maxLagMs ? "down" : "up", p99_lag_ms: Math.round(lagMs * 10) / 10 };
  };
  return { check, stop: () => histogram.disable() };
}
