/** What every forecasting model is given: a complete series (gaps already filled) on a regular grid. */
export interface ForecastInput {
  readonly values: Float64Array;
  /** Points per seasonal cycle (a day of hourly points: 24). */
  readonly period: number;
  readonly startSeconds: number;
  readonly stepSeconds: number;
}

export type ModelName = "seasonal_naive" | "mstl" | "prophet" | "lstm";

/** A forecasting model behind one interface, so that backtests and fusion treat them alike. */
export interface ForecastModel {
  readonly name: ModelName;
  /** Fewest points it can be fitted on. */
  minHistory(period: number): number;
  forecast(input: ForecastInput, horizon: number): Promise<Float64Array>;
}
