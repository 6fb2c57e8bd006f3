import { lstmModel } from "./lstm.js";
import type { ForecastModel, ModelName } from "./model.js";
import { mstlModel } from "./mstl.js";
import { prophetModel } from "./prophet.js";
import { seasonalNaive } from "./seasonal-naive.js";

export type { ForecastInput, ForecastModel, ModelName } from "./model.js";

export const MODEL_NAMES: readonly ModelName[] = ["seasonal_naive", "mstl", "prophet", "lstm"];

/**
 * What `recommend` fits by default: the seasonal naive baseline and MSTL. Prophet and the LSTM
 * are measured by the bench (README: where each earns its place) and enabled with `--models`.
 */
export const DEFAULT_MODELS: readonly ModelName[] = ["seasonal_naive", "mstl"];

export function modelsByName(names: readonly ModelName[]): ForecastModel[] {
  const all: Record<ModelName, () => ForecastModel> = {
    seasonal_naive: () => seasonalNaive,
    mstl: () => mstlModel,
    prophet: () => prophetModel,
    lstm: () => lstmModel(),
  };
  return names.map((n) => all[n]());
}
