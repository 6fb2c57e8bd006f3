import type { Registry } from "prom-client";

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram (no labels) that can take many observations of one value at once.
 * prom-client's `Histogram.observe` takes one value per call; a run of a million jobs is folded
 * into this from its HdrHistogram in a few thousand calls instead. Registers itself through
 * prom-client's metric interface, so it is exposed like any other metric.
 */
export class CumulativeHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor({
    name,
    help,
    buckets,
    registers,
  }: { name: string; help: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = name;
    this.help = help;
    this.#bounds = [...buckets].sort((a, b) => a - b);
    this.#counts = this.#bounds.map(() => 0);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  /** Adds `count` observations of `value`. */
  observeMany(value: number, count: number): void {
    if (count <= 0) return;
    const i = this.#bounds.findIndex((bound) => value <= bound);
    if (i >= 0) this.#counts[i]! += count;
    this.#count += count;
  }

  /** Adds to the sum of observed values (kept exact by the caller, not from bucket midpoints). */
  addToSum(amount: number): void {
    this.#sum += amount;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: HistogramValue[] } {
    const values: HistogramValue[] = [];
    let cumulative = 0;
    this.#bounds.forEach((bound, i) => {
      cumulative += this.#counts[i]!;
      values.push({ labels: { le: bound }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    values.push({ labels: { le: "+Inf" }, value: this.#count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.#sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.#count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
