import { inflateSync } from "node:zlib";
import {
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Float64Histogram,
  type Histogram,
  type JsHistogram,
} from "hdr-histogram-js";
import { encodeCounts } from "./histogram-codec.js";

export type { Histogram };

/**
 * Latencies are recorded in microseconds. A histogram starts tracking up to 4 ms (32 KB of
 * counts) and grows, once, to the range of the longest latency it meets (autoResize): starting
 * at 10 s (120 KB) or an hour (190 KB) allocated, zeroed and scanned that much for every run,
 * however short — at hundreds of tiny runs a second, a tenth of a worker's CPU in allocation,
 * garbage collection and `establishInternalTackingValues`.
 */
const INITIAL_HIGHEST_US = 4096;

/** The run histogram: 3 significant digits (0.1 % relative error), counts as 64-bit floats. */
export function latencyHistogram(highest = INITIAL_HIGHEST_US): Float64Histogram {
  const histogram = new Float64Histogram(1, Math.max(highest, INITIAL_HIGHEST_US), 3);
  histogram.autoResize = true;
  return histogram;
}

/**
 * Records integer values into a histogram roughly ten times faster than its `recordValue`
 * (which takes `Math.log2` and `Math.pow` per value): the bucket index is HdrHistogram's own
 * formula with `Math.clz32`, as the Java original computes it. Only the counts array is
 * updated; call `histogram.establishInternalTackingValues()` before reading totals, min, max
 * or percentiles. Values outside the fast range take the library's path (which also resizes).
 */
export class FastRecorder {
  readonly #histogram: Float64Histogram;
  readonly #unit: number;
  readonly #halfMagnitude: number;
  readonly #halfCount: number;
  readonly #mask: number;
  readonly #zerosBase: number;
  /** The highest index the fast path counted into (-1: none). */
  #top = -1;
  /** Whether a value took the library's path (which may also have resized the counts). */
  #slow = false;

  constructor(histogram: Float64Histogram) {
    this.#histogram = histogram;
    this.#unit = histogram.unitMagnitude;
    this.#halfMagnitude = histogram.subBucketHalfCountMagnitude;
    this.#halfCount = histogram.subBucketHalfCount;
    this.#mask = histogram.subBucketMask;
    this.#zerosBase = 31 - this.#unit - this.#halfMagnitude;
  }

  record(value: number): void {
    if (value >= 0 && value < 0x80000000) {
      const bucket = Math.max(0, this.#zerosBase - Math.clz32(value | this.#mask));
      const index =
        ((bucket + 1) << this.#halfMagnitude) + ((value >>> (bucket + this.#unit)) - this.#halfCount);
      const counts = this.#histogram._counts;
      if (index < counts.length) {
        counts[index]!++;
        if (index > this.#top) this.#top = index;
        return;
      }
    }
    this.#slow = true;
    this.#histogram.recordValue(value);
  }

  /**
   * How many counts, from the first, hold everything recorded through this recorder: what
   * `establishInternalTackingValues` needs to scan. A short run's values sit in the first few
   * hundred of the 4,096 (the library's scan of them all, one method call per count, was a
   * tenth of a tiny run's engine time).
   */
  get coveredLength(): number {
    return this.#slow ? this.#histogram.countsArrayLength : this.#top + 1;
  }
}

/**
 * Histograms of what a growing histogram gained between calls: the timeline's per-second
 * histograms are differences of the run histogram, so each job is recorded once, not twice.
 */
export class IntervalHistograms {
  readonly #source: Float64Histogram;
  /** The source as it was at the previous call; made at the first call that is not the last. */
  #previous: Float64Histogram | undefined;
  #interval: Float64Histogram | undefined;

  #answeredSource = false;

  readonly #covered: () => number;

  /**
   * `covered`: how many of the source's counts, from the first, hold all it recorded (the
   * recorder's `coveredLength`; by default all of them).
   */
  constructor(source: Float64Histogram, covered: () => number = () => source.countsArrayLength) {
    this.#source = source;
    this.#covered = covered;
  }

  /**
   * Whether the last call answered the source itself (the first interval), whose totals it then
   * brought up to date: until something more is recorded, they need no recomputing.
   */
  get answeredSource(): boolean {
    return this.#answeredSource;
  }

  /**
   * What was recorded into the source since the previous call. Valid until the next call.
   * `last`: no call follows, so nothing is kept for one (a run shorter than a second then
   * allocates no histogram but its own).
   */
  next(last = false): Histogram {
    const source = this.#source;
    this.#answeredSource = false;
    if (!this.#previous) {
      // The first interval is everything recorded so far: the source itself.
      source.establishInternalTackingValues(this.#covered());
      this.#answeredSource = true;
      if (!last) {
        this.#previous = latencyHistogram(source.highestTrackableValue);
        this.#previous._counts.set(source._counts);
      }
      return source;
    }
    const previous = this.#previous;
    const interval = (this.#interval ??= latencyHistogram(source.highestTrackableValue));
    // The source grows (autoResize) when it meets a value beyond its range; follow it.
    if (previous.countsArrayLength !== source.countsArrayLength)
      previous.resize(source.highestTrackableValue);
    if (interval.countsArrayLength !== source.countsArrayLength)
      interval.resize(source.highestTrackableValue);
    const now = source._counts;
    const before = previous._counts;
    const counts = interval._counts;
    for (let i = 0; i < now.length; i++) counts[i] = now[i]! - before[i]!;
    interval.establishInternalTackingValues(interval.countsArrayLength);
    previous._counts.set(now);
    return interval;
  }
}

/**
 * Adds `source` into `target` (which grows to hold it). Histograms of the same precision share
 * their bucket layout whatever their range — only the length of the counts array differs — so
 * the counts add index by index; the library's `add` takes a value-by-value path whenever the
 * ranges differ, which stored histograms' usually do, and is ~50× slower there.
 */
export function addHistogram(target: JsHistogram, source: JsHistogram): void {
  const t = target as JsHistogram & { _counts?: Float64Array };
  const s = source as JsHistogram & { _counts?: Float64Array };
  if (
    !t._counts ||
    !s._counts ||
    target.unitMagnitude !== source.unitMagnitude ||
    target.subBucketCount !== source.subBucketCount
  ) {
    target.add(source);
    return;
  }
  if (source.totalCount === 0) return;
  if (target.countsArrayLength < source.countsArrayLength) target.resize(source.highestTrackableValue);
  const into = t._counts;
  const from = s._counts;
  for (let i = 0; i < from.length; i++) {
    const count = from[i]!;
    if (count !== 0) into[i] = into[i]! + count;
  }
  // What the library's own `add` updates after adding counts (its tracking methods are private).
  const tracking = target as unknown as {
    updatedMaxValue(value: number): void;
    updateMinNonZeroValue(value: number): void;
  };
  const minNonZero = Math.min(target.minNonZeroValue, source.minNonZeroValue);
  target.setTotalCount(target.totalCount + source.totalCount);
  tracking.updatedMaxValue(Math.max(target.maxValue, source.maxValue));
  tracking.updateMinNonZeroValue(minNonZero);
}

const COMPRESSED_COOKIE = 0x1c849304;
const V2_COOKIE = 0x1c849303;
/** cookie, payload length, normalizing offset, digits (int32 each), lowest, highest, ratio (64-bit each). */
const V2_HEADER_BYTES = 40;

/** What the inflated payloads remembered may take, keys (the encoded strings) included. */
const PAYLOAD_CACHE_BYTES = 24 * 1024 * 1024;
/** A map entry's own cost beyond its key and payload (estimated). */
const PAYLOAD_ENTRY_OVERHEAD = 96;
/** Larger encodings are inflated each time rather than remembered. */
const PAYLOAD_CACHE_MAX_ENTRY = 256 * 1024;
/** Encoded histogram → its inflated V2 payload, least recently used first. */
const payloads = new Map<string, Buffer>();
let payloadBytes = 0;

/**
 * The inflated V2 payload of a compressed encoding (undefined: not one). Stored histograms do not
 * change — a run's once it finished, a rollup row's until a fold adds runs to it, which gives it
 * a new encoding — and the KPI dashboard merges the same rollup rows and edge runs on every poll:
 * inflating them was a third of a 30-day window's CPU, so the payloads of recent ones are
 * remembered (bounded, least recently used out first).
 */
function inflatedPayload(encoded: string, remember: boolean): Buffer | undefined {
  const known = payloads.get(encoded);
  if (known) {
    if (remember) {
      payloads.delete(encoded);
      payloads.set(encoded, known);
    }
    return known;
  }
  const outer = Buffer.from(encoded, "base64");
  if (outer.length < 8 || (outer.readInt32BE(0) & ~0xf0) !== COMPRESSED_COOKIE) return undefined;
  const payload = inflateSync(outer.subarray(8, 8 + outer.readInt32BE(4)));
  const size = encoded.length + payload.length + PAYLOAD_ENTRY_OVERHEAD;
  if (remember && size <= PAYLOAD_CACHE_MAX_ENTRY) {
    payloads.set(encoded, payload);
    payloadBytes += size;
    for (const [key, value] of payloads) {
      if (payloadBytes <= PAYLOAD_CACHE_BYTES) break;
      payloads.delete(key);
      payloadBytes -= key.length + value.length + PAYLOAD_ENTRY_OVERHEAD;
    }
  }
  return payload;
}

/**
 * Adds an encoded histogram (HdrHistogram's compressed V2 form, as `encodeHistogram` writes)
 * into `target` without building a histogram for it: the counts are read from the payload
 * straight into `target`'s. Merging the stored histograms of thousands of runs or rollups is
 * then bounded by inflating them, not by allocating a 190 KB counts array for each. Anything
 * this does not recognise takes the library's decoder. `remember: false`: an encoding read once
 * (a finished run's, as the rollups fold it), whose payload would only push out those read
 * again and again (the rollup rows a polled dashboard merges).
 */
export function addEncodedHistogram(
  target: JsHistogram,
  encoded: string,
  { remember = true }: { remember?: boolean } = {},
): void {
  const counts = (target as JsHistogram & { _counts?: Float64Array })._counts;
  const payload = counts && inflatedPayload(encoded, remember);
  if (!payload) {
    addHistogram(target, decodeHistogram(encoded));
    return;
  }
  const lowest = payload.readInt32BE(16) * 2 ** 32 + payload.readUInt32BE(20);
  const highest = payload.readInt32BE(24) * 2 ** 32 + payload.readUInt32BE(28);
  if (
    (payload.readInt32BE(0) & ~0xf0) !== V2_COOKIE ||
    payload.readInt32BE(12) !== target.numberOfSignificantValueDigits ||
    lowest !== target.lowestDiscernibleValue
  ) {
    addHistogram(target, decodeHistogram(encoded));
    return;
  }
  let into = counts;
  if (target.highestTrackableValue < highest) {
    target.resize(highest);
    into = (target as JsHistogram & { _counts: Float64Array })._counts;
  }
  const end = V2_HEADER_BYTES + payload.readInt32BE(4);
  let index = 0;
  let total = 0;
  let minIndex = -1;
  let maxIndex = -1;
  for (let at = V2_HEADER_BYTES; at < end; ) {
    // ZigZag LEB128, up to 9 bytes (as the library writes them).
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 9; i++) {
      const byte = payload[at++]!;
      value += (i === 8 ? byte : byte & 0x7f) * scale;
      if (i < 8 && (byte & 0x80) === 0) break;
      scale *= 128;
    }
    const count = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    if (count < 0) {
      index -= count;
      continue;
    }
    if (count > 0) {
      into[index] = into[index]! + count;
      total += count;
      if (minIndex < 0 && index !== 0) minIndex = index;
      maxIndex = index;
    }
    index++;
  }
  if (total === 0) return;
  const tracking = target as unknown as {
    valueFromIndex(index: number): number;
    updatedMaxValue(value: number): void;
    updateMinNonZeroValue(value: number): void;
  };
  const minNonZero =
    minIndex >= 0
      ? Math.min(target.minNonZeroValue, tracking.valueFromIndex(minIndex))
      : target.minNonZeroValue;
  target.setTotalCount(target.totalCount + total);
  tracking.updatedMaxValue(
    Math.max(target.maxValue, target.highestEquivalentValue(tracking.valueFromIndex(maxIndex))),
  );
  // The library's setter takes the value as given (its own `add` passes the minimum).
  if (minNonZero !== Number.MAX_VALUE) tracking.updateMinNonZeroValue(minNonZero);
}

/** Encodes in HdrHistogram's standard compressed form (readable by every HdrHistogram port). */
export function encodeHistogram(histogram: Histogram): string {
  const counts = (histogram as JsHistogram & { _counts?: Float64Array })._counts;
  // Ours (the same bytes before compression, several times faster) for the histograms Aurea
  // makes; the library's for anything else.
  if (counts instanceof Float64Array && histogram instanceof Float64Histogram)
    return encodeCounts(histogram as unknown as JsHistogram, counts);
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): JsHistogram {
  return decodeFromCompressedBase64(encoded, 64, false) as JsHistogram;
}

/** The histogram each holder's `histogram` encoding was made from or decoded to. */
const decoded = new WeakMap<object, { encoded: string; histogram: JsHistogram }>();

/**
 * Remembers that `holder.histogram` encodes `histogram` (which must not change any more: a
 * finished run's), so that `histogramOf(holder)` answers it without decoding.
 */
export function rememberHistogram(holder: { histogram: string }, histogram: JsHistogram): void {
  decoded.set(holder, { encoded: holder.histogram, histogram });
}

/**
 * The histogram `holder.histogram` encodes, to read and never to change. A finished run's
 * histogram is read by its summary and by the metrics right after the recorder encoded it:
 * decoding was most of what either cost, so the histogram is passed along with the objects
 * holding its encoding (a snapshot, then the result made from it).
 */
export function histogramOf(holder: { histogram: string }): JsHistogram {
  const known = decoded.get(holder);
  if (known?.encoded === holder.histogram) return known.histogram;
  const histogram = decodeHistogram(holder.histogram);
  rememberHistogram(holder, histogram);
  return histogram;
}

/**
 * Calls `visit` once per non-empty HdrHistogram bucket with the bucket's median value (the
 * library's representative value) and its count, in increasing order.
 */
export function forEachRecordedValue(
  histogram: JsHistogram,
  visit: (value: number, count: number) => void,
): void {
  const values = histogram.recordedValuesIterator;
  values.reset();
  while (values.hasNext()) {
    const step = values.next();
    visit(histogram.medianEquivalentValue(step.valueIteratedTo), step.countAtValueIteratedTo);
  }
}

/** Value at a percentile (0–100), or `null` for an empty histogram. */
export function percentileOf(histogram: Histogram, percentile: number): number | null {
  return histogram.totalCount === 0 ? null : histogram.getValueAtPercentile(percentile);
}
