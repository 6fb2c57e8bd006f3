/**
 * A usage series on a regular grid: `values[i]` is the usage at `startMs + i * stepMs`, `NaN`
 * where no sample exists. A regular grid keeps every later step (aggregation, backtests,
 * scoring) index arithmetic rather than timestamp matching.
 */
export interface UsageSeries {
  readonly name: string;
  /** What the values measure; CPU in cores (or the CSV's unit), memory in bytes. */
  readonly resource: "cpu" | "memory";
  readonly startMs: number;
  readonly stepMs: number;
  readonly values: Float64Array;
}

/** Points of `series` that hold a number. */
export function presentCount(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  return n;
}

/**
 * Places timestamped samples on a grid of `stepMs` (the median spacing unless given); samples
 * falling in one cell are averaged, cells without one are NaN.
 */
export function toGrid(
  timesMs: readonly number[],
  values: readonly number[],
  stepMs: number = medianStep(timesMs),
): { startMs: number; stepMs: number; values: Float64Array } {
  if (timesMs.length === 0) return { startMs: 0, stepMs, values: new Float64Array(0) };
  const order = timesMs.map((_, i) => i).sort((a, b) => (timesMs[a] as number) - (timesMs[b] as number));
  const startMs = timesMs[order[0] as number] as number;
  const endMs = timesMs[order.at(-1) as number] as number;
  const length = Math.floor((endMs - startMs) / stepMs + 0.5) + 1;
  const sums = new Float64Array(length);
  const counts = new Uint32Array(length);
  for (const i of order) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const cell = Math.floor(((timesMs[i] as number) - startMs) / stepMs + 0.5);
    sums[cell] = (sums[cell] as number) + v;
    counts[cell] = (counts[cell] as number) + 1;
  }
  const grid = new Float64Array(length);
  for (let c = 0; c < length; c++)
    grid[c] = counts[c] ? (sums[c] as number) / (counts[c] as number) : Number.NaN;
  return { startMs, stepMs, values: grid };
}

function medianStep(timesMs: readonly number[]): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const diffs: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const d = (sorted[i] as number) - (sorted[i - 1] as number);
    if (d > 0) diffs.push(d);
  }
  if (diffs.length === 0) return 60_000;
  diffs.sort((a, b) => a - b);
  // The lower median: a grid with a few gaps still has its true step as most spacings.
  return diffs[Math.floor((diffs.length - 1) / 2)] as number;
}

/**
 * Means of consecutive blocks of `factor` points (an hour of 5-minute points: 12); a block
 * without any number is NaN. The models forecast these: an hourly mean is far less noisy than a
 * 5-minute sample and 12× cheaper to fit.
 */
export function blockMeans(values: ArrayLike<number>, factor: number): Float64Array {
  const out = new Float64Array(Math.floor(values.length / factor));
  for (let b = 0; b < out.length; b++) {
    let sum = 0;
    let n = 0;
    for (let i = b * factor; i < (b + 1) * factor; i++) {
      const v = values[i] as number;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    out[b] = n ? sum / n : Number.NaN;
  }
  return out;
}

/**
 * Fills NaN so that models get a complete series: from the same phase one period earlier when
 * there is one, else by carrying the previous value (or the first number) forward.
 */
export function fillGaps(values: ArrayLike<number>, period: number): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  let first = Number.NaN;
  for (const v of out)
    if (Number.isFinite(v)) {
      first = v;
      break;
    }
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i])) continue;
    const seasonal = i >= period ? (out[i - period] as number) : Number.NaN;
    out[i] = Number.isFinite(seasonal) ? seasonal : i > 0 ? (out[i - 1] as number) : first;
  }
  return out;
}
