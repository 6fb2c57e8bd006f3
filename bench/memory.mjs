// Memory per in-flight job: 100,000 synthetic sleep jobs all in flight at once (closed model,
// concurrency = jobs). Run by bench/index.ts as `node --expose-gc bench/memory.mjs`. Baseline
// after a full GC with the spec and the job built; sampled ~1 s into the run, once as found and
// once after a full GC (what the in-flight jobs keep alive). Progress on stderr, JSON on stdout.
import { execute, parseWorkloadSpec, syntheticJob, systemClock } from "../dist/engine/index.js";

const JOBS = Number(process.argv[2] ?? 100_000);
const DURATION_MS = Number(process.argv[3] ?? 2000);
const SAMPLE_AT_MS = 1000;

const say = (line) => process.stderr.write(`${line}\n`);
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

const parsed = parseWorkloadSpec({
  job: { kind: "synthetic", duration_ms: DURATION_MS },
  load: { model: "closed", jobs: JOBS, concurrency: JOBS },
  progress_interval: 0.25,
});
if (!parsed.success) throw new Error(`invalid spec: ${parsed.error.message}`);
const spec = parsed.data;
const job = syntheticJob(spec.job, { clock: systemClock, seed: 1 });

const usage = () => {
  const m = process.memoryUsage();
  return {
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    rss: m.rss,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
};
// Full collections (twice, so that what the first one freed is gone from both generations).
const settle = () => {
  globalThis.gc();
  globalThis.gc();
};
const delta = (after, before) =>
  Object.fromEntries(Object.keys(before).map((key) => [key, after[key] - before[key]]));

settle();
const before = usage();
let progress;
const runStart = performance.now();
const run = execute(spec, job, { onProgress: (p) => (progress = p) });
await new Promise((resolve) => setTimeout(resolve, SAMPLE_AT_MS));
const sampledAtMs = performance.now() - runStart;
const during = usage();
settle();
const duringAfterGc = usage();
// The engine's own count, from its latest progress report (every 250 ms).
const inFlight = progress?.in_flight ?? null;
const snapshot = await run;
await job.close?.();
if (snapshot.total !== JOBS || snapshot.failed !== 0) {
  throw new Error(`ran ${snapshot.total} jobs (${snapshot.failed} failed), expected ${JOBS}`);
}

const result = {
  jobs: JOBS,
  duration_ms: DURATION_MS,
  sampled_at_ms: sampledAtMs,
  in_flight_at_sample: inFlight,
  before,
  during,
  during_after_gc: duringAfterGc,
  delta_raw: delta(during, before),
  delta_after_gc: delta(duringAfterGc, before),
};
const perJob = (bytes) => (bytes / JOBS).toFixed(1).padStart(8);
say(
  `  sampled ${sampledAtMs.toFixed(0)} ms into the run; in flight (engine's last progress report): ` +
    `${inFlight?.toLocaleString("en-US")} of ${JOBS.toLocaleString("en-US")}`,
);
for (const [label, d] of [
  ["as sampled", result.delta_raw],
  ["after a full GC", result.delta_after_gc],
]) {
  say(
    `  ${label}: heapUsed ${perJob(d.heapUsed)} B/job   external ${perJob(d.external)} B/job   ` +
      `arrayBuffers ${perJob(d.arrayBuffers)} B/job   rss ${perJob(d.rss)} B/job`,
  );
}
process.stdout.write(`${JSON.stringify(result)}\n`);
