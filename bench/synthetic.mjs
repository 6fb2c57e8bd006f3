// Synthetic zero-duration throughput: the engine's closed model against a bare loop that awaits
// the same no-op job with the same concurrency and records into the same histogram.
// Run by bench/index.ts as `node --expose-gc bench/synthetic.mjs <jobs> <concurrency> <repeats>`;
// progress on stderr, the result as JSON on stdout. Imports the compiled engine (dist/).
import { execute, parseWorkloadSpec, syntheticJob, systemClock } from "../dist/engine/index.js";
import { FastRecorder, latencyHistogram } from "../dist/engine/stats/histogram.js";

const JOBS = Number(process.argv[2] ?? 2_000_000);
const CONCURRENCY = Number(process.argv[3] ?? 100);
const REPEATS = Number(process.argv[4] ?? 5);
const WARMUP_JOBS = 300_000;
const WARMUP_ROUNDS = 3;

const say = (line) => process.stderr.write(`${line}\n`);
// A young-generation collection before each measured run, so that neither starts with the
// other's garbage. Not a full gc(): that deoptimizes the engine's optimized code (it holds weak
// references to the previous run's objects) and would undo the warm-up.
const collect = () => globalThis.gc?.({ type: "minor" });

function specFor(jobs) {
  const parsed = parseWorkloadSpec({
    job: { kind: "synthetic", duration_ms: 0 },
    load: { model: "closed", jobs, concurrency: CONCURRENCY },
  });
  if (!parsed.success) throw new Error(`invalid spec: ${parsed.error.message}`);
  return parsed.data;
}

const newJob = (spec) => syntheticJob(spec.job, { clock: systemClock, seed: 1 });

/** The engine: `execute` of the closed model, timed from the call to its resolution. */
async function engineRun(jobs) {
  const spec = specFor(jobs);
  const job = newJob(spec);
  collect();
  const start = performance.now();
  const snapshot = await execute(spec, job);
  const wallMs = performance.now() - start;
  await job.close?.();
  if (snapshot.total !== jobs || snapshot.failed !== 0) {
    throw new Error(`engine ran ${snapshot.total} jobs (${snapshot.failed} failed), expected ${jobs}`);
  }
  return { jobs, wall_ms: wallMs, jobs_per_s: jobs / (wallMs / 1000) };
}

/**
 * The reference: `CONCURRENCY` async workers, each awaiting `job.run` of the same synthetic job
 * (which returns `undefined` at once for 0 ms) and recording its latency, measured with
 * `performance.now()`, in microseconds into the engine's histogram type with its fast recorder.
 */
async function bareRun(jobs) {
  const job = newJob(specFor(jobs));
  const histogram = latencyHistogram();
  const recorder = new FastRecorder(histogram);
  const done = () => {};
  let next = 0;
  const worker = async () => {
    while (next < jobs) {
      const index = next++;
      const start = performance.now();
      await job.run(index, done);
      recorder.record(Math.round((performance.now() - start) * 1000));
    }
  };
  collect();
  const start = performance.now();
  const workers = [];
  for (let i = 0; i < CONCURRENCY; i++) workers.push(worker());
  await Promise.all(workers);
  const wallMs = performance.now() - start;
  await job.close?.();
  histogram.establishInternalTackingValues();
  if (histogram.totalCount !== jobs) {
    throw new Error(`bare loop recorded ${histogram.totalCount} latencies, expected ${jobs}`);
  }
  return { jobs, wall_ms: wallMs, jobs_per_s: jobs / (wallMs / 1000) };
}

const fmt = (r) =>
  `${Math.round(r.jobs_per_s).toLocaleString("en-US").padStart(11)} jobs/s (${r.wall_ms.toFixed(0)} ms)`;

say(`  warm-up: ${WARMUP_ROUNDS} × (engine, bare) of ${WARMUP_JOBS.toLocaleString("en-US")} jobs`);
for (let i = 0; i < WARMUP_ROUNDS; i++) {
  await engineRun(WARMUP_JOBS);
  await bareRun(WARMUP_JOBS);
}

const engine = [];
const bare = [];
for (let i = 0; i < REPEATS; i++) {
  // Alternate which goes first, so that neither always follows the other.
  const order = i % 2 === 0 ? ["engine", "bare"] : ["bare", "engine"];
  const line = {};
  for (const which of order) {
    const r = which === "engine" ? await engineRun(JOBS) : await bareRun(JOBS);
    (which === "engine" ? engine : bare).push(r);
    line[which] = r;
  }
  say(
    `  trial ${i + 1}/${REPEATS}: engine ${fmt(line.engine)}   bare loop ${fmt(line.bare)}   ` +
      `bare/engine ${(line.bare.jobs_per_s / line.engine.jobs_per_s).toFixed(2)}`,
  );
}

process.stdout.write(`${JSON.stringify({ jobs: JOBS, concurrency: CONCURRENCY, engine, bare })}\n`);
