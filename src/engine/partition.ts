import type { LoadSpec, WorkloadSpec } from "./spec/workload-spec.js";

/**
 * Splits `total` into `parts` integers that differ by at most one and sum to `total`, the larger
 * first: part i then holds exactly the jobs i, i + parts, i + 2·parts, … of the whole.
 */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor((total + parts - 1 - i) / parts));
}

/**
 * Divides one workload into `parts` that together produce the same load: job counts,
 * concurrency, connections and rates are divided, start times and durations stay the same. Part
 * i runs the jobs i, i + parts, … of the whole, with the whole's seed, so a seeded workload
 * draws the same durations and failures however it is split. Used for worker threads and shards.
 */
export function partitionSpec(spec: WorkloadSpec, parts: number): WorkloadSpec[] {
  if (!Number.isInteger(parts) || parts < 1)
    throw new RangeError(`parts must be a positive integer, got ${parts}`);
  if (parts === 1) return [spec];
  const loads = partitionLoad(spec.load, parts);
  const records = splitEvenly(spec.records, parts);
  const job = spec.job;
  const connections =
    job.kind === "http" && job.connections !== undefined ? splitEvenly(job.connections, parts) : undefined;
  // A part of a part: its jobs interleave within its parent's.
  const outer = spec.part ?? { index: 0, of: 1 };
  return loads.map((load, i) => {
    const part: WorkloadSpec = {
      ...spec,
      load,
      records: records[i]!,
      threads: 1,
      part: { index: outer.index + i * outer.of, of: outer.of * parts },
    };
    if (job.kind === "http" && connections) part.job = { ...job, connections: Math.max(1, connections[i]!) };
    return part;
  });
}

function partitionLoad(load: LoadSpec, parts: number): LoadSpec[] {
  switch (load.model) {
    case "closed": {
      const jobs = load.jobs === undefined ? undefined : splitEvenly(load.jobs, parts);
      const concurrency = splitEvenly(load.concurrency ?? load.jobs ?? 1, parts);
      return Array.from({ length: parts }, (_, i) => {
        const part: LoadSpec = { ...load, concurrency: Math.max(1, concurrency[i]!) };
        if (jobs) part.jobs = jobs[i]!;
        return part;
      });
    }
    case "open":
      return Array.from({ length: parts }, (_, i) => {
        const part: LoadSpec = { ...load, rate: load.rate / parts };
        if (load.max_in_flight !== undefined)
          part.max_in_flight = Math.max(1, splitEvenly(load.max_in_flight, parts)[i]!);
        return part;
      });
    case "stages":
      return Array.from({ length: parts }, (_, i) => {
        const share = (value: number): number =>
          load.target === "concurrency" ? Math.floor((value + i) / parts) : value / parts;
        const part: LoadSpec = {
          ...load,
          start: share(load.start),
          stages: load.stages.map((s) => ({ duration: s.duration, target: share(s.target) })),
        };
        if (load.max_in_flight !== undefined)
          part.max_in_flight = Math.max(1, splitEvenly(load.max_in_flight, parts)[i]!);
        return part;
      });
  }
}
