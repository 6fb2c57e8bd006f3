import type { Registry } from "prom-client";

interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

type Labels = Record<string, string>;

/** One labelled series: its buckets' counts (not cumulative), sum and count. */
interface Series {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram that can take many observations of one value at once. prom-client's
 * `Histogram.observe` takes one value per call; a run of a million jobs is folded into this from
 * its HdrHistogram in a few thousand calls instead. Registers itself through prom-client's metric
 * interface, so it is exposed like any other metric. Labels are optional (`labelNames`).
 */
export class CumulativeHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly labelNames: readonly string[];
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor({
    name,
    help,
    buckets,
    labelNames = [],
    registers,
  }: {
    name: string;
    help: string;
    buckets: readonly number[];
    labelNames?: readonly string[];
    registers: Registry[];
  }) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.#bounds = [...buckets].sort((a, b) => a - b);
    for (const registry of registers) registry.registerMetric(this as never);
  }

  #of(labels: Labels): Series {
    const key = this.labelNames.map((name) => labels[name] ?? "").join("\u0000");
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: { ...labels }, counts: this.#bounds.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  /** Adds `count` observations of `value`. */
  observeMany(value: number, count: number, labels: Labels = {}): void {
    if (count <= 0) return;
    const series = this.#of(labels);
    const i = this.#bounds.findIndex((bound) => value <= bound);
    if (i >= 0) series.counts[i]! += count;
    series.count += count;
  }

  /** Adds to the sum of observed values (kept exact by the caller, not from bucket midpoints). */
  addToSum(amount: number, labels: Labels = {}): void {
    this.#of(labels).sum += amount;
  }

  reset(): void {
    this.#series.clear();
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: HistogramValue[] } {
    const values: HistogramValue[] = [];
    // Without labels the histogram is exposed (all zero) before its first observation.
    const all =
      this.#series.size === 0 && this.labelNames.length === 0 ? [this.#of({})] : this.#series.values();
    for (const { labels, counts, sum, count } of all) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += counts[i]!;
        values.push({
          labels: { ...labels, le: bound },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({ labels: { ...labels, le: "+Inf" }, value: count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
