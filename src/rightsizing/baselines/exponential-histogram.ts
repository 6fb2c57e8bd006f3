/**
 * The Kubernetes VPA recommender's histogram (pkg/recommender/util/histogram.go): buckets whose
 * sizes grow geometrically, bucket n starting at firstBucketSize · (ratioⁿ − 1) / (ratio − 1),
 * and weights that decay with a half-life (decaying_histogram.go). A sample's weight is
 * multiplied by 2^((t − reference) / halfLife), so recent samples count more; taking the
 * reference at the newest sample only rescales every weight, which leaves percentiles unchanged.
 */
export interface HistogramOptions {
  readonly maxValue: number;
  readonly firstBucketSize: number;
  readonly ratio: number;
}

/** VPA's CPU histogram: 0.01 cores first bucket, 5 % growth, up to 1000 cores. */
export const VPA_CPU_HISTOGRAM: HistogramOptions = { maxValue: 1000, firstBucketSize: 0.01, ratio: 1.05 };
/** VPA's memory histogram: 10 MB first bucket, 5 % growth, up to 1 TB. */
export const VPA_MEMORY_HISTOGRAM: HistogramOptions = { maxValue: 1e12, firstBucketSize: 1e7, ratio: 1.05 };

export class DecayingHistogram {
  readonly #options: HistogramOptions;
  readonly #halfLifeMs: number;
  readonly #weights: Float64Array;
  #referenceMs: number | undefined;
  #total = 0;

  constructor(options: HistogramOptions, halfLifeMs: number) {
    this.#options = options;
    this.#halfLifeMs = halfLifeMs;
    this.#weights = new Float64Array(bucketCount(options));
  }

  get bucketCount(): number {
    return this.#weights.length;
  }

  /** Samples may come in any order; the reference is the first sample's time, as in VPA. */
  add(value: number, weight: number, timeMs: number): void {
    this.#referenceMs ??= timeMs;
    const decayed = weight * 2 ** ((timeMs - this.#referenceMs) / this.#halfLifeMs);
    const bucket = findBucket(this.#options, value, this.#weights.length);
    this.#weights[bucket] = (this.#weights[bucket] as number) + decayed;
    this.#total += decayed;
  }

  /** VPA's Percentile: the end of the first bucket where the cumulative weight reaches p. */
  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const threshold = p * this.#total;
    let partial = 0;
    let bucket = 0;
    const last = this.#weights.length - 1;
    for (; bucket < last; bucket++) {
      partial += this.#weights[bucket] as number;
      if (partial >= threshold) break;
    }
    return bucket < last ? bucketStart(this.#options, bucket + 1) : bucketStart(this.#options, bucket);
  }
}

export function bucketStart({ firstBucketSize, ratio }: HistogramOptions, bucket: number): number {
  return bucket === 0 ? 0 : (firstBucketSize * (ratio ** bucket - 1)) / (ratio - 1);
}

function bucketCount({ maxValue, firstBucketSize, ratio }: HistogramOptions): number {
  return Math.ceil(Math.log((maxValue * (ratio - 1)) / firstBucketSize + 1) / Math.log(ratio)) + 1;
}

function findBucket({ firstBucketSize, ratio }: HistogramOptions, value: number, count: number): number {
  if (value < firstBucketSize) return 0;
  const bucket = Math.floor(Math.log((value * (ratio - 1)) / firstBucketSize + 1) / Math.log(ratio));
  return Math.min(bucket, count - 1);
}
