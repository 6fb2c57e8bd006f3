import { augursMstl } from "../augurs.js";
import type { ForecastModel } from "./model.js";

/**
 * augurs' MSTL: the series is split into seasonal components (STL per period) and a remainder
 * forecast by AutoETS. A weekly period joins the daily one when three weeks are there to learn it.
 */
export const mstlModel: ForecastModel = {
  name: "mstl",
  minHistory: (period) => 2 * period,
  async forecast({ values, period }, horizon) {
    const { MSTL } = augursMstl();
    const weekly = period * 7;
    const model = MSTL.ets(values.length >= 3 * weekly ? [period, weekly] : [period]);
    try {
      model.fit(values);
      return Float64Array.from(model.predict(horizon, null).point);
    } finally {
      model.free();
    }
  },
};
