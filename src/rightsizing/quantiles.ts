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
