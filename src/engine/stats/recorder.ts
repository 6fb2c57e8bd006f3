import { INTERRUPTED, type JobOutcome } from "../jobs/job.js";
import {
  encodeHistogram,
  FastRecorder,
  IntervalHistograms,
  latencyHistogram,
  percentileOf,
  rememberHistogram,
} from "./histogram.js";
import type { JobRecord, RunSnapshot, TimelineBucket } from "./run-snapshot.js";

export interface RecorderOptions {
  /** Keep this many per-job records (the first ones); 0 keeps none. */
  records?: number;
  /** Keep each second's histogram in the timeline so snapshots can be merged exactly. */
  mergeable?: boolean;
  /** Open models: a start more than this many ms after its intended time counts as late. */
  lateStartMs?: number;
  /** Called with each finished second of the timeline. */
  onSecond?: (bucket: TimelineBucket) => void;
}

/**
 * Accumulates job results in constant memory: the run histogram, counters, and the per-second
 * timeline (which grows with the run's duration, not with the number of jobs).
 */
export class Recorder {
  readonly histogram = latencyHistogram();
  readonly #fast = new FastRecorder(this.histogram);
  readonly #seconds = new IntervalHistograms(this.histogram, () => this.#fast.coveredLength);
  readonly #origin: number;
  readonly #wallOrigin: number;
  readonly #recordLimit: number;
  readonly #mergeable: boolean;
  readonly #lateUs: number;
  readonly #onSecond: ((bucket: TimelineBucket) => void) | undefined;

  total = 0;
  completed = 0;
  failed = 0;
  readonly failures = new Map<string, number>();
  lateStarts = 0;
  maxStartLagUs = 0;
  latencySumUs = 0;
  serviceSumUs = 0;
  minUs = Number.POSITIVE_INFINITY;
  maxUs = -1;
  readonly timeline: TimelineBucket[] = [];
  readonly records: JobRecord[] = [];
  recordsDropped = 0;

  #bucketT = 0;
  #bucketCompleted = 0;
  #bucketFailed = 0;
  #bucketSumUs = 0;
  #bucketEnd: number;

  /**
   * @param origin monotonic ms at which the run started (timeline second 0)
   * @param wallOrigin the same instant in epoch ms
   */
  constructor(origin: number, wallOrigin: number, options: RecorderOptions = {}) {
    this.#origin = origin;
    this.#wallOrigin = wallOrigin;
    this.#recordLimit = options.records ?? 0;
    this.#mergeable = options.mergeable ?? false;
    this.#lateUs = (options.lateStartMs ?? 10) * 1000;
    this.#onSecond = options.onSecond;
    this.#bucketEnd = origin + 1000;
  }

  /**
   * Records job `index`, meant to start at `intended`, started at `start`, ended at `end`
   * (monotonic ms). Latency runs from the intended start, so time spent waiting behind a stalled
   * target is measured (coordinated omission); cost counts only the time it actually ran.
   * Closed models pass `intended === start`.
   */
  recordScheduled(index: number, intended: number, start: number, end: number, outcome: JobOutcome): void {
    if (start !== intended) {
      const lagUs = Math.round((start - intended) * 1000);
      if (lagUs > this.#lateUs) this.lateStarts++;
      if (lagUs > this.maxStartLagUs) this.maxStartLagUs = lagUs;
    }
    this.#count(index, intended, end, end - start, outcome);
  }

  #count(index: number, start: number, end: number, serviceMs: number, outcome: JobOutcome): void {
    if (end >= this.#bucketEnd) this.#roll(end);
    this.total++;
    this.serviceSumUs += Math.round(serviceMs * 1000);
    if (outcome === undefined) {
      this.completed++;
      this.#bucketCompleted++;
    } else {
      this.failed++;
      this.#bucketFailed++;
      this.failures.set(outcome, (this.failures.get(outcome) ?? 0) + 1);
      // An interrupted job's time says nothing about the target: keep it out of the latencies.
      if (outcome === INTERRUPTED) return;
    }
    const us = Math.round((end - start) * 1000);
    this.#fast.record(us);
    this.latencySumUs += us;
    this.#bucketSumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
    if (this.#recordLimit > 0) this.#keep(index, start, us, serviceMs, outcome);
  }

  #keep(index: number, start: number, us: number, serviceMs: number, outcome: JobOutcome): void {
    if (this.records.length >= this.#recordLimit) {
      this.recordsDropped++;
      return;
    }
    const record: JobRecord = {
      index,
      start_ms: this.#wallOrigin + (start - this.#origin),
      latency_us: us,
      service_us: Math.round(serviceMs * 1000),
    };
    if (outcome !== undefined) record.error = outcome;
    this.records.push(record);
  }

  /** Closes every second that ended before `now`, including empty ones. */
  #roll(now: number): void {
    while (now >= this.#bucketEnd) {
      this.#closeBucket();
      this.#bucketT++;
      this.#bucketEnd += 1000;
    }
  }

  #closeBucket(last = false): void {
    const h = this.#seconds.next(last);
    const bucket: TimelineBucket = {
      t: this.#bucketT,
      completed: this.#bucketCompleted,
      failed: this.#bucketFailed,
      latency_sum_us: this.#bucketSumUs,
      p50_us: percentileOf(h, 50),
      p95_us: percentileOf(h, 95),
      p99_us: percentileOf(h, 99),
      max_us: h.totalCount === 0 ? null : h.maxValue,
    };
    if (this.#mergeable) bucket.histogram = encodeHistogram(h);
    this.timeline.push(bucket);
    this.#onSecond?.(bucket);
    this.#bucketCompleted = 0;
    this.#bucketFailed = 0;
    this.#bucketSumUs = 0;
  }

  /** The run histogram with its totals up to date (called by `finish`, after the last second closed). */
  #synced() {
    if (!this.#seconds.answeredSource)
      this.histogram.establishInternalTackingValues(this.#fast.coveredLength);
    return this.histogram;
  }

  /** Ends the run at `end` (monotonic ms) and returns what was measured. */
  finish(end: number, cancelled: boolean): RunSnapshot {
    this.#roll(end);
    // The last, partial second.
    if (this.#bucketCompleted + this.#bucketFailed > 0 || this.timeline.length === 0) this.#closeBucket(true);
    const failures: Record<string, number> = {};
    for (const [reason, count] of this.failures) failures[reason] = count;
    const histogram = this.#synced();
    const snapshot: RunSnapshot = {
      started_at_ms: this.#wallOrigin,
      ended_at_ms: this.#wallOrigin + (end - this.#origin),
      total: this.total,
      completed: this.completed,
      failed: this.failed,
      failures,
      late_starts: this.lateStarts,
      max_start_lag_us: this.maxStartLagUs,
      latency_sum_us: this.latencySumUs,
      service_sum_us: this.serviceSumUs,
      min_us: this.maxUs < 0 ? null : this.minUs,
      max_us: this.maxUs < 0 ? null : this.maxUs,
      histogram: encodeHistogram(histogram),
      timeline: this.timeline,
      records: this.records,
      records_dropped: this.recordsDropped,
      cancelled,
    };
    // The recorder is done with it: summaries and metrics read it instead of decoding.
    rememberHistogram(snapshot, histogram);
    return snapshot;
  }
}
