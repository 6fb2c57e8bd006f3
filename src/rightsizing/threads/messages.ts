import type { ModelName } from "../models/index.js";
import type { SeriesResult } from "../recommend.js";
import type { UsageSeries } from "../series.js";

/** What crosses to a recommendation thread: plain data only (models travel by name). */
export interface SeriesOptions {
  readonly models: readonly ModelName[];
  readonly horizonMs?: number;
  readonly folds?: number;
  readonly cpuQuantile?: number;
  readonly memoryQuantile?: number;
}

/** What was seen of a series' container besides its usage: OOM kill times (ms), CPU throttling. */
export interface SeriesIncidents {
  readonly oomKillsAt: readonly number[];
  readonly throttled: boolean;
}

export type ToThread =
  | { type: "series"; index: number; series: UsageSeries; incidents?: SeriesIncidents }
  | { type: "end" };
export type FromThread =
  | { type: "result"; index: number; result: SeriesResult }
  | { type: "failed"; index: number; message: string };
