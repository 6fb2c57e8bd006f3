// Timing accuracy: 10,000 parallel 100 ms sleep jobs (closed model, concurrency = all jobs) run
// through `runSpec`, the path `aurea run` takes. Run by bench/index.ts as
// `node --expose-gc bench/timing.mjs <trials>`. Progress on stderr, the result as JSON on stdout.
// Imports the compiled code (dist/).
//
// Two series of trials after the same JIT warm-up:
// - "scavenge": a young-generation collection, gc({ type: "minor" }), before each trial;
// - "full GC": a full collection, gc(), before each trial — the protocol the target is judged on.
// They differ because a full collection clears the weak references the engine's optimized code
// holds (to the previous run's objects) and V8 deoptimizes that code ("reason: weak objects" in
// --trace-deopt), so each full-GC trial starts partly in the interpreter. The scavenge series runs
// first so that it is not measured right after such a deoptimization.
import { parseWorkloadSpec } from "../dist/engine/index.js";
import { runSpec } from "../dist/runner/index.js";

const TRIALS = Number(process.argv[2] ?? 7);
const JOBS = 10_000;
const SLEEP_MS = 100;
const WARMUP_RUNS = 10;
const WARMUP_SLEEP_MS = 5;

const say = (line) => process.stderr.write(`${line}\n`);
if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");

function specFor(durationMs) {
  const parsed = parseWorkloadSpec({
    job: { kind: "synthetic", duration_ms: durationMs },
    load: { model: "closed", jobs: JOBS },
  });
  if (!parsed.success) throw new Error(`invalid spec: ${parsed.error.message}`);
  return parsed.data;
}

async function trial(spec, collect) {
  collect();
  const start = performance.now();
  const result = await runSpec(spec);
  const outerMs = performance.now() - start;
  if (result.counts.total !== JOBS || result.counts.failed !== 0) {
    throw new Error(`ran ${result.counts.total} jobs (${result.counts.failed} failed), expected ${JOBS}`);
  }
  return {
    duration_ms: result.duration_s * 1000,
    outer_ms: outerMs,
    mean_ms: result.latency_ms.mean,
    min_ms: result.latency_ms.min,
    p50_ms: result.latency_ms.p50,
    p99_ms: result.latency_ms.p99,
    max_ms: result.latency_ms.max,
  };
}

const scavenge = () => globalThis.gc({ type: "minor" });
const fullGc = () => globalThis.gc();

say(`  warm-up: ${WARMUP_RUNS} runs of ${JOBS.toLocaleString("en-US")} × ${WARMUP_SLEEP_MS} ms jobs`);
const warmSpec = specFor(WARMUP_SLEEP_MS);
for (let i = 0; i < WARMUP_RUNS; i++) await trial(warmSpec, scavenge);

const spec = specFor(SLEEP_MS);
const series = {};
for (const [name, collect] of [
  ["scavenge", scavenge],
  ["full_gc", fullGc],
]) {
  say(`  ${name === "full_gc" ? "gc() (full)" : 'gc({ type: "minor" })'} before each trial:`);
  const trials = [];
  for (let i = 0; i < TRIALS; i++) {
    const t = await trial(spec, collect);
    trials.push(t);
    say(
      `    trial ${i + 1}/${TRIALS}: run ${t.duration_ms.toFixed(2)} ms (outer ${t.outer_ms.toFixed(2)} ms)  ` +
        `latency mean ${t.mean_ms.toFixed(3)}  min ${t.min_ms.toFixed(3)}  p50 ${t.p50_ms.toFixed(3)}  ` +
        `p99 ${t.p99_ms.toFixed(3)}  max ${t.max_ms.toFixed(3)} ms`,
    );
  }
  series[name] = trials;
}

process.stdout.write(`${JSON.stringify({ jobs: JOBS, sleep_ms: SLEEP_MS, ...series })}\n`);
