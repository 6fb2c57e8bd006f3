/** 1 for points falling on a Saturday or Sunday (UTC, as Prometheus and the CSVs time them), else 0. */
export function weekendIndicator(startSeconds: number, stepSeconds: number): (index: number) => 0 | 1 {
  return (index) => {
    const day = new Date((startSeconds + index * stepSeconds) * 1000).getUTCDay();
    return day === 0 || day === 6 ? 1 : 0;
  };
}

/**
 * How far weekend points sit above (or below) weekday ones, by least squares on day-over-day
 * differences: `values[t] − values[t − period]` is the weekend offset times
 * `weekend(t) − weekend(t − period)` plus noise. Differencing cancels the daily cycle and most of
 * the trend, so a week's history (one Friday→Saturday and one Sunday→Monday step) already gives
 * an estimate; a history without such a step gives 0.
 */
export function weekendOffset(
  values: ArrayLike<number>,
  period: number,
  weekend: (index: number) => 0 | 1,
): number {
  let sxy = 0;
  let sxx = 0;
  for (let t = period; t < values.length; t++) {
    const x = weekend(t) - weekend(t - period);
    if (x === 0) continue;
    sxy += x * ((values[t] as number) - (values[t - period] as number));
    sxx += x * x;
  }
  return sxx ? sxy / sxx : 0;
}
