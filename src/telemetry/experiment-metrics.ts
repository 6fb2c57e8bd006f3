import { Counter, Gauge, type Registry } from "prom-client";

/** Load experiments: how they end, how many run now (the seed's `mora_active_experiments`), their steps. */
export class ExperimentMetrics {
  readonly #ended: Counter<"status">;
  readonly #steps: Counter<"status">;
  #active: () => number = () => 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#ended = new Counter({
      name: "aurea_rightsizing_experiments_total",
      help: "Load experiments ended in this process, by status (complete, failed, cancelled, interrupted).",
      labelNames: ["status"],
      registers,
    });
    const read = () => this.#active();
    new Gauge({
      name: "aurea_rightsizing_experiments_active",
      help: "Load experiments running in this process now.",
      registers,
      collect() {
        this.set(read());
      },
    });
    this.#steps = new Counter({
      name: "aurea_rightsizing_experiment_steps_total",
      help: "Steps of load experiments ended in this process, by status (complete; failed: could not run or was cut short).",
      labelNames: ["status"],
      registers,
    });
  }

  /** Reads the number of running experiments at each scrape. */
  watchActive(count: () => number): void {
    this.#active = count;
  }

  recordEnd(status: "complete" | "failed" | "cancelled" | "interrupted"): void {
    this.#ended.inc({ status });
  }

  recordStep(status: "complete" | "failed"): void {
    this.#steps.inc({ status });
  }
}
