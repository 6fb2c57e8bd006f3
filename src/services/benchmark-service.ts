import { randomBytes } from "node:crypto";
import type { RunResult, WorkloadSpec } from "../engine/index.js";
import { type RunSpecOptions, runSpec } from "../runner/index.js";
import type { BenchmarkMetrics } from "../telemetry/benchmark-metrics.js";

export interface BenchmarkRun {
  id: string;
  result: RunResult;
}

/** Runs benchmarks and accounts for them in the seed metrics. */
export class BenchmarkService {
  readonly #metrics: BenchmarkMetrics;
  readonly #run: (spec: WorkloadSpec, options: RunSpecOptions) => Promise<RunResult>;
  readonly #active = new Set<AbortController>();

  constructor({ metrics, run = runSpec }: { metrics: BenchmarkMetrics; run?: typeof runSpec }) {
    this.#metrics = metrics;
    this.#run = run;
  }

  /** Benchmarks running now. */
  get active(): number {
    return this.#active.size;
  }

  async run(spec: WorkloadSpec, { signal, ...options }: RunSpecOptions = {}): Promise<BenchmarkRun> {
    const id = newBenchmarkId();
    const controller = new AbortController();
    const forward = () => controller.abort();
    signal?.addEventListener("abort", forward, { once: true });
    this.#active.add(controller);
    try {
      const result = await this.#run(spec, { ...options, signal: controller.signal });
      this.#metrics.recordRun(result);
      return { id, result };
    } finally {
      this.#active.delete(controller);
      signal?.removeEventListener("abort", forward);
    }
  }

  /** Cancels every running benchmark (they answer with what they measured). */
  cancelAll(): void {
    for (const controller of this.#active) controller.abort();
  }
}

/** `benchmark-<epoch ms>-<random hex>`: the seed's prefix and time, unique across processes. */
function newBenchmarkId(now = Date.now()): string {
  return `benchmark-${now}-${randomBytes(4).toString("hex")}`;
}
