import type { RollupLevel } from "./schema.js";

/** Start (UTC) of the `level` bucket holding `t`. */
export function bucketStart(level: RollupLevel, t: Date): Date {
  const d = new Date(t);
  switch (level) {
    case "hour":
      d.setUTCMinutes(0, 0, 0);
      return d;
    case "day":
      d.setUTCHours(0, 0, 0, 0);
      return d;
    case "month":
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  }
}

/** Start of the bucket after the one starting at `start`. */
export function bucketAfter(level: RollupLevel, start: Date): Date {
  switch (level) {
    case "hour":
      return new Date(start.getTime() + 3_600_000);
    case "day":
      return new Date(start.getTime() + 86_400_000);
    case "month":
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

/** First bucket start at or after `t`. */
function ceilBucket(level: RollupLevel, t: Date): Date {
  const start = bucketStart(level, t);
  return start.getTime() === t.getTime() ? start : bucketAfter(level, start);
}

/** Whole buckets `[from, to)` of one level (bucket starts). */
export interface BucketRange {
  level: RollupLevel;
  from: Date;
  to: Date;
}

/** A window covered by whole rollup buckets, coarsest first, plus the raw edges finer than an hour. */
export interface WindowCover {
  buckets: BucketRange[];
  raw: { from: Date; to: Date }[];
}

const FINER: Record<RollupLevel, RollupLevel | "raw"> = { month: "day", day: "hour", hour: "raw" };

/**
 * Splits `[from, to)` into the fewest whole month, day and hour buckets and at most two raw
 * edges shorter than an hour each: a year-long window reads at most ~12 + 60 + 48 rollup rows
 * per scenario, whatever the number of runs.
 */
export function coverWindow(from: Date, to: Date): WindowCover {
  const cover: WindowCover = { buckets: [], raw: [] };
  const split = (lo: Date, hi: Date, level: RollupLevel | "raw"): void => {
    if (lo >= hi) return;
    if (level === "raw") {
      cover.raw.push({ from: lo, to: hi });
      return;
    }
    const a = ceilBucket(level, lo);
    const b = bucketStart(level, hi);
    if (a >= b) {
      split(lo, hi, FINER[level]);
      return;
    }
    split(lo, a, FINER[level]);
    cover.buckets.push({ level, from: a, to: b });
    split(b, hi, FINER[level]);
  };
  split(from, to, "month");
  return cover;
}
