import type { JsHistogram } from "hdr-histogram-js";
import { twoSidedPValue } from "./compare-normal.js";

/** A sample as its distinct values, strictly increasing, each with how often it was observed. */
export interface CountedSample {
  readonly values: ArrayLike<number>;
  readonly counts: ArrayLike<number>;
}

export interface MannWhitneyResult {
  /** U of the first sample: pairs (x, y) with x > y, plus half of the pairs with x = y. */
  u: number;
  /** Standardized U (continuity-corrected); positive when the first sample tends to be larger. */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  p: number;
}

/**
 * A histogram's non-empty buckets as a counted sample, with the values `forEachRecordedValue`
 * gives (each bucket's median-equivalent value), in increasing order. Reads the counts array and
 * derives each value from its index with HdrHistogram's own layout: the library's iterator
 * allocates per step, and its `medianEquivalentValue` takes logarithms and powers per call.
 */
export function recordedBuckets(histogram: JsHistogram): CountedSample {
  const values: number[] = [];
  const counts: number[] = [];
  const half = histogram.subBucketHalfCount;
  const length = histogram.countsArrayLength;
  // Bucket 0 spans indices 0 … 2·half − 1 (sub-buckets from 0); each later bucket spans the next
  // `half` indices (sub-buckets half … 2·half − 1) at twice the previous bucket's width.
  let index = 0;
  for (let bucket = 0; index < length; bucket++) {
    const width = 2 ** (bucket + histogram.unitMagnitude);
    const middle = Math.floor(width / 2);
    for (let sub = bucket === 0 ? 0 : half; sub < 2 * half && index < length; sub++, index++) {
      const count = histogram.getCountAtIndex(index);
      if (count > 0) {
        values.push(sub * width + middle);
        counts.push(count);
      }
    }
  }
  return { values, counts };
}

/**
 * The Mann–Whitney U test computed exactly from counted samples: one merge walk over both in
 * increasing value order, equal values are ties. U is summed pair by pair, Σ countₓ·(below + ties/2),
 * which equals the mid-rank sum minus n₁(n₁+1)/2 without forming rank sums that outgrow integer
 * precision for large runs. The variance carries the tie correction, z the continuity correction
 * (as R's `wilcox.test` and SciPy's `mannwhitneyu(method="asymptotic")` do by default).
 */
export function mannWhitneyU(first: CountedSample, second: CountedSample): MannWhitneyResult {
  const firstLength = first.values.length;
  const secondLength = second.values.length;
  let i = 0;
  let j = 0;
  let n1 = 0;
  let n2 = 0;
  let secondBelow = 0;
  let u = 0;
  let tieTerm = 0;
  while (i < firstLength || j < secondLength) {
    const x = i < firstLength ? first.values[i]! : Number.POSITIVE_INFINITY;
    const y = j < secondLength ? second.values[j]! : Number.POSITIVE_INFINITY;
    const a = x <= y ? first.counts[i++]! : 0;
    const b = y <= x ? second.counts[j++]! : 0;
    u += a * (secondBelow + b / 2);
    secondBelow += b;
    n1 += a;
    n2 += b;
    const tied = a + b;
    tieTerm += tied * (tied * tied - 1);
  }
  if (n1 === 0 || n2 === 0) throw new RangeError("mannWhitneyU needs two non-empty samples");
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  // Every value tied: no ordering to test.
  if (!(variance > 0)) return { u, z: 0, p: 1 };
  const distance = u - mean;
  const z = (Math.sign(distance) * Math.max(0, Math.abs(distance) - 0.5)) / Math.sqrt(variance);
  return { u, z, p: twoSidedPValue(z) };
}
