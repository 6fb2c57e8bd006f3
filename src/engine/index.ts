/**
 * The workload engine: specs, executors, statistics. Pure — no framework, network, database or
 * process environment; time and randomness are injected.
 */
export type { Clock, Timers } from "./clock/index.js";
export { systemClock, VirtualClock } from "./clock/index.js";
export type { Progress } from "./executors/execution.js";
export { DEFAULT_MAX_IN_FLIGHT, type ExecuteOptions, execute } from "./executors/run-workload.js";
export { DISTRIBUTIONS, type DistributionName } from "./jobs/distributions.js";
export {
  asyncJob,
  type Done,
  INTERRUPTED,
  JOB_ERROR,
  type Job,
  type JobOutcome,
  PENDING,
  type Pending,
} from "./jobs/job.js";
export { SYNTHETIC_FAILURE, syntheticJob } from "./jobs/synthetic-job.js";
export { type LinkedSignal, linkSignals } from "./linked-signal.js";
export { partitionSpec, splitEvenly } from "./partition.js";
export { type Random, seededRandom } from "./random.js";
export { formatDuration, parseDuration } from "./spec/duration.js";
export { describeFieldErrors, type FieldError, fieldErrors } from "./spec/field-errors.js";
export { ENGINE_LIMITS, type SpecLimits } from "./spec/limits.js";
export {
  durationField,
  HTTP_METHODS,
  type HttpJobSpec,
  type JobSpec,
  type LoadSpec,
  parseWorkloadSpec,
  type SyntheticJobSpec,
  type WorkloadSpec,
  type WorkloadSpecInput,
  workloadSpecSchema,
} from "./spec/workload-spec.js";
export {
  type ComparableRun,
  compareRuns,
  type MetricComparison,
  type RunComparison,
} from "./stats/compare.js";
export {
  addEncodedHistogram,
  addHistogram,
  decodeHistogram,
  encodeHistogram,
  forEachRecordedValue,
  histogramOf,
  latencyHistogram,
  percentileOf,
} from "./stats/histogram.js";
export { mergeSnapshots } from "./stats/merge.js";
export type { JobRecordView, LatencySummary, RunResult, TimelinePoint } from "./stats/run-result.js";
export type { JobRecord, RunSnapshot, TimelineBucket } from "./stats/run-snapshot.js";
export { type CostModel, DEFAULT_COST, summarize, timelinePoint } from "./stats/summarize.js";
export { parseThreshold, THRESHOLD_HELP, type Threshold, type ThresholdVerdict } from "./stats/thresholds.js";
