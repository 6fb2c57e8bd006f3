import type { ForecastModel } from "./model.js";

/** Each future point repeats the same phase of the last full cycle: the baseline MASE is scaled by. */
export const seasonalNaive: ForecastModel = {
  name: "seasonal_naive",
  minHistory: (period) => period,
  async forecast({ values, period }, horizon) {
    const out = new Float64Array(horizon);
    const n = values.length;
    for (let h = 0; h < horizon; h++) out[h] = values[n - period + (h % period)] as number;
    return out;
  },
};
