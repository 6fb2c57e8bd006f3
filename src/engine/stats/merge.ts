import { addHistogram, decodeHistogram, encodeHistogram, percentileOf } from "./histogram.js";
import type { RunSnapshot, TimelineBucket } from "./run-snapshot.js";

/**
 * Combines snapshots of parts of one run (threads, shards) exactly: counts and sums add, HDR
 * histograms add, timelines align on wall-clock seconds from the earliest start. Timeline
 * percentiles are exact only when every part was recorded `mergeable` (with per-second
 * histograms); otherwise the merged bucket keeps the largest part's percentiles.
 */
export function mergeSnapshots(parts: readonly RunSnapshot[]): RunSnapshot {
  if (parts.length === 0) throw new Error("mergeSnapshots needs at least one snapshot");
  if (parts.length === 1) return parts[0]!;
  const start = Math.min(...parts.map((p) => p.started_at_ms));
  const histogram = decodeHistogram(parts[0]!.histogram);
  histogram.autoResize = true;
  for (const part of parts.slice(1)) addHistogram(histogram, decodeHistogram(part.histogram));
  const failures: Record<string, number> = {};
  for (const part of parts) {
    for (const [reason, count] of Object.entries(part.failures))
      failures[reason] = (failures[reason] ?? 0) + count;
  }
  const mins = parts.map((p) => p.min_us).filter((v): v is number => v !== null);
  const maxes = parts.map((p) => p.max_us).filter((v): v is number => v !== null);
  const sum = (pick: (p: RunSnapshot) => number) => parts.reduce((acc, p) => acc + pick(p), 0);
  return {
    started_at_ms: start,
    ended_at_ms: Math.max(...parts.map((p) => p.ended_at_ms)),
    total: sum((p) => p.total),
    completed: sum((p) => p.completed),
    failed: sum((p) => p.failed),
    failures,
    late_starts: sum((p) => p.late_starts),
    max_start_lag_us: Math.max(...parts.map((p) => p.max_start_lag_us)),
    latency_sum_us: sum((p) => p.latency_sum_us),
    service_sum_us: sum((p) => p.service_sum_us),
    min_us: mins.length > 0 ? Math.min(...mins) : null,
    max_us: maxes.length > 0 ? Math.max(...maxes) : null,
    histogram: encodeHistogram(histogram),
    timeline: mergeTimelines(parts, start),
    records: parts.flatMap((p) => p.records).sort((a, b) => a.start_ms - b.start_ms),
    records_dropped: sum((p) => p.records_dropped),
    cancelled: parts.some((p) => p.cancelled),
  };
}

function mergeTimelines(parts: readonly RunSnapshot[], start: number): TimelineBucket[] {
  const bySecond = new Map<number, TimelineBucket[]>();
  for (const part of parts) {
    const offset = Math.round((part.started_at_ms - start) / 1000);
    for (const bucket of part.timeline) {
      const t = bucket.t + offset;
      const list = bySecond.get(t);
      if (list) list.push(bucket);
      else bySecond.set(t, [bucket]);
    }
  }
  const seconds = [...bySecond.keys()].sort((a, b) => a - b);
  const last = seconds.at(-1) ?? -1;
  const merged: TimelineBucket[] = [];
  for (let t = 0; t <= last; t++) merged.push(mergeBuckets(t, bySecond.get(t) ?? []));
  return merged;
}

function mergeBuckets(t: number, buckets: readonly TimelineBucket[]): TimelineBucket {
  const base: TimelineBucket = {
    t,
    completed: 0,
    failed: 0,
    latency_sum_us: 0,
    p50_us: null,
    p95_us: null,
    p99_us: null,
    max_us: null,
  };
  for (const b of buckets) {
    base.completed += b.completed;
    base.failed += b.failed;
    base.latency_sum_us += b.latency_sum_us;
    if (b.max_us !== null) base.max_us = Math.max(base.max_us ?? 0, b.max_us);
  }
  if (buckets.length > 0 && buckets.every((b) => b.histogram !== undefined)) {
    const histogram = decodeHistogram(buckets[0]!.histogram!);
    histogram.autoResize = true;
    for (const b of buckets.slice(1)) addHistogram(histogram, decodeHistogram(b.histogram!));
    base.p50_us = percentileOf(histogram, 50);
    base.p95_us = percentileOf(histogram, 95);
    base.p99_us = percentileOf(histogram, 99);
    base.histogram = encodeHistogram(histogram);
  } else {
    const largest = [...buckets].sort((a, b) => b.completed + b.failed - (a.completed + a.failed))[0];
    if (largest) {
      base.p50_us = largest.p50_us;
      base.p95_us = largest.p95_us;
      base.p99_us = largest.p99_us;
    }
  }
  return base;
}
