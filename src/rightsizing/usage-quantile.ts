import { quantileSorted } from "./quantiles.js";

/**
 * How usage departs from its forecast: `additive` (usage = forecast + r) or `ratio`
 * (usage = forecast × r: noise in proportion to the level, as CPU usage's is).
 */
export type ResidualMode = "additive" | "ratio";

/**
 * The q-quantile of predicted usage over the horizon: usage at a future interval is its block's
 * forecast plus a residual drawn from the backtests, so over the whole horizon usage is the
 * mixture of (point[h] + r) for every block h and residual r. A request at this quantile is
 * exceeded in a share 1 − q of the intervals, if the residuals are representative.
 */
export function mixtureQuantile(
  point: ArrayLike<number>,
  residuals: ArrayLike<number>,
  q: number,
  mode: ResidualMode = "additive",
): number {
  const r: number[] = [];
  for (let i = 0; i < residuals.length; i++) {
    const v = residuals[i] as number;
    if (Number.isFinite(v)) r.push(v);
  }
  if (r.length === 0) return Number.NaN;
  const all = new Float64Array(point.length * r.length);
  let k = 0;
  for (let h = 0; h < point.length; h++) {
    const p = point[h] as number;
    if (mode === "ratio") for (const v of r) all[k++] = p * v;
    else for (const v of r) all[k++] = Math.max(0, p + v);
  }
  all.sort();
  return quantileSorted(all, q);
}

/** Share of the finite `usage` values at or below `request`. */
export function coverage(usage: ArrayLike<number>, request: number): number {
  let n = 0;
  let covered = 0;
  for (let i = 0; i < usage.length; i++) {
    const v = usage[i] as number;
    if (!Number.isFinite(v)) continue;
    n++;
    if (v <= request) covered++;
  }
  return n ? covered / n : Number.NaN;
}
