/** Order statistics shared by the baselines, the recommender and the scoring. */

/** Linear-interpolation quantile (type 7, as numpy's default) of the finite values, NaN if none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = finiteSorted(values);
  return quantileSorted(sorted, q);
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  const a = sorted[lower] as number;
  return a + ((sorted[upper] as number) - a) * (position - lower);
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : Number.NaN;
}

export function max(values: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > m) m = v;
  }
  return m === Number.NEGATIVE_INFINITY ? Number.NaN : m;
}

export function standardDeviation(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) {
      sum += (v - m) ** 2;
      n++;
    }
  }
  return n > 1 ? Math.sqrt(sum / (n - 1)) : Number.NaN;
}

/** Weight of a point `age` points before the last, with a half-life of `halfLife` points. */
const decay = (age: number, halfLife: number) => 2 ** (-age / halfLife);

/**
 * The `q` quantile of the finite values, each weighted 2^(−age / half-life) where age counts
 * points back from the last (the VPA recommender's decaying histogram, without its buckets).
 */
export function decayedQuantile(values: ArrayLike<number>, halfLife: number, q: number): number {
  const points: [number, number][] = [];
  const last = values.length - 1;
  for (let i = 0; i <= last; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) points.push([v, decay(last - i, halfLife)]);
  }
  if (points.length === 0) return Number.NaN;
  points.sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const p of points) total += p[1];
  let seen = 0;
  for (const [v, w] of points) {
    seen += w;
    if (seen >= q * total) return v;
  }
  return (points.at(-1) as [number, number])[0];
}

/** The mean of the finite values with the same weights as `decayedQuantile`. */
export function decayedMean(values: ArrayLike<number>, halfLife: number): number {
  let weights = 0;
  let sum = 0;
  const last = values.length - 1;
  for (let i = 0; i <= last; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const w = decay(last - i, halfLife);
    weights += w;
    sum += w * v;
  }
  return weights ? sum / weights : Number.NaN;
}
