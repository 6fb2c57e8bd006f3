import { augursMstl } from "../augurs.js";
import type { ForecastModel } from "./model.js";
import { weekendIndicator, weekendOffset } from "./weekend-offset.js";

/** The log transform's floor, as a share of the mean level: keeps idle (zero) points finite. */
const FLOOR_SHARE = 0.01;
/** No forecast more than this many times the history's peak: a log-scale trend must not explode. */
const PEAK_CAP = 10;

/**
 * augurs' MSTL on the logarithm of usage, with a weekday/weekend offset: usage swings and
 * wobbles in proportion to its level (a daily cycle of ×2 at 4 cores is ±2 cores, at 0.1 core
 * ±0.05), which is additive on the log scale, and many services run lower (or higher) on
 * weekends, which a daily cycle alone repeats from the wrong day. The offset (weekendOffset) is
 * taken out before the fit and put back on the forecast's weekend hours. The series is split
 * into seasonal components (STL per period) and a remainder forecast by AutoETS; a weekly period
 * joins the daily one when three weeks are there to learn it.
 */
export const mstlModel: ForecastModel = {
  name: "mstl",
  minHistory: (period) => 2 * period,
  async forecast({ values, period, startSeconds, stepSeconds }, horizon) {
    let sum = 0;
    let low = Number.POSITIVE_INFINITY;
    let peak = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      sum += v;
      low = Math.min(low, v);
      peak = Math.max(peak, v);
    }
    const shift = FLOOR_SHARE * Math.abs(sum / values.length) + 1e-12 - Math.min(0, low);
    const weekend = weekendIndicator(startSeconds, stepSeconds);
    const logs = Float64Array.from(values, (v) => Math.log(v + shift));
    const offset = weekendOffset(logs, period, weekend);
    const adjusted = logs.map((v, i) => v - offset * weekend(i));
    const { MSTL } = augursMstl();
    const weekly = period * 7;
    const model = MSTL.ets(values.length >= 3 * weekly ? [period, weekly] : [period]);
    try {
      model.fit(adjusted);
      const cap = Math.log(PEAK_CAP * (peak + shift));
      return Float64Array.from(
        model.predict(horizon, null).point,
        (v, h) => Math.exp(Math.min(cap, v + offset * weekend(values.length + h))) - shift,
      );
    } finally {
      model.free();
    }
  },
};
