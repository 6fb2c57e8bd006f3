import { optimizer } from "@bsull/augurs-prophet-wasmstan";
import { augursProphet } from "../augurs.js";
import type { ForecastModel } from "./model.js";

/**
 * Prophet (augurs' Rust port, Stan's optimizer compiled to WebAssembly): piecewise-linear trend
 * with changepoints plus Fourier seasonalities; MAP fit, no uncertainty sampling (the intervals
 * come from the backtests' residuals, as for every model).
 */
export const prophetModel: ForecastModel = {
  name: "prophet",
  minHistory: (period) => 2 * period,
  async forecast({ values, period, startSeconds, stepSeconds }, horizon) {
    const { Prophet } = augursProphet();
    const weekly = values.length >= 2 * 7 * period;
    const model = new Prophet({
      optimizer,
      uncertaintySamples: 0,
      dailySeasonality: { type: "manual", enabled: true },
      weeklySeasonality: { type: "manual", enabled: weekly },
      yearlySeasonality: { type: "manual", enabled: false },
    });
    try {
      const ds = Array.from(values, (_, i) => startSeconds + i * stepSeconds);
      model.fit({ ds, y: Array.from(values) });
      const end = startSeconds + values.length * stepSeconds;
      const future = Array.from({ length: horizon }, (_, h) => end + h * stepSeconds);
      return Float64Array.from(model.predict({ ds: future }).yhat.point);
    } finally {
      model.free();
    }
  },
};
