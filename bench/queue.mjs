// Child of `npm run bench` (section `queue`): runs on BullMQ with an API and worker processes,
// as deployed, on a new PostgreSQL database and a Redis key prefix of its own. <workers> `aurea
// worker` processes and `aurea serve --no-worker`; or, written `api+<n>`, `aurea serve` (which
// runs a worker of its own, its default) and <n> `aurea worker` processes. Then:
//   tiny:  offers <rate> triggers/s (Aurea's open model: evenly paced) of a scenario of one 0 ms
//          job for <warmup> + <seconds> s. What is measured counts only the runs created after
//          the first <warmup> s (processes that just started are still compiling their hot paths
//          with V8's optimising tiers: start-up, not the queue's steady cost): runs completed per
//          second end to end, the queue's wait (job added → worker starts it: the workers'
//          aurea_queue_wait_seconds; and created → started, from the runs' own timestamps);
//   sleep: triggers <count> runs of one 100 ms job at once and measures how long they take.
// Also prints, per measured run, the CPU of every process (PostgreSQL's, Redis' and the load
// generator's included), the statements committed in PostgreSQL and the Redis commands; the
// longest pauses between runs created and between runs started; and the wait's p95 per second of
// the whole load. BENCH_CHILD_LOG=<dir> keeps each process's output. BENCH_PG_SETTINGS="a = x; b = y"
// sets PostgreSQL settings on the bench's database (ALTER DATABASE … SET; superuser ones need a
// superuser URL), e.g. "session_preload_libraries = 'auto_explain'; auto_explain.log_min_duration
// = 3" to log the plans of statements over 3 ms in the server's log. BENCH_CPU_TAKEN=<share>
// runs a competing process per core (cpu-hog.mjs) taking that share of each core's time while
// the runs are offered and executed, as on a busier or slower host.
// Prints one JSON line.
// Usage: node bench/queue.mjs <workers|api+n> <tiny|sleep> [rate|count] [seconds] [warmup]
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import {
  createDatabase,
  deleteRedisPrefix,
  postJson,
  processCpuSeconds,
  serverCpuSeconds,
  statCpuSeconds,
} from "./children.mjs";

const [workersArg = "2", mode = "tiny", amountArg, secondsArg = "10", warmupArg = "0"] =
  process.argv.slice(2);
const warmupS = mode === "tiny" ? Number(warmupArg) : 0;
// `api+<n>`: the API's own worker and <n> more.
const apiWorker = workersArg.startsWith("api+");
const workers = apiWorker ? 1 + Number(workersArg.slice(4)) : Number(workersArg);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist/cli/main.js");
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `aurea-bench-${process.pid}-${randomBytes(3).toString("hex")}`;
const dataDir = mkdtempSync(join(tmpdir(), "aurea-bench-queue-"));

const database = await createDatabase("bench_q");
if (process.env.BENCH_PG_SETTINGS) {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  const name = new URL(database.url).pathname.slice(1);
  for (const setting of process.env.BENCH_PG_SETTINGS.split(";").filter((s) => s.trim()))
    await admin.query(`alter database ${name} set ${setting}`);
  await admin.end();
}

const env = {
  ...process.env,
  DATABASE_URL: database.url,
  REDIS_URL: redisUrl,
  AUREA_QUEUE_PREFIX: prefix,
  AUREA_DATA_DIR: dataDir,
  AUREA_RUN_CONCURRENCY: mode === "sleep" ? "4" : "32",
  LOG_LEVEL: "warn",
};
const children = [];
const spawnCli = (args, extra = {}) => {
  const flags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...flags, CLI, ...args], {
    env: { ...env, ...extra },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  // BENCH_CHILD_LOG=<dir>: each process's output (e.g. with BENCH_NODE_FLAGS=--trace-gc) in a file.
  if (process.env.BENCH_CHILD_LOG)
    child.once("close", () =>
      writeFileSync(join(process.env.BENCH_CHILD_LOG, `${args[0]}-${child.pid}.log`), out),
    );
  children.push(child);
  return { child, output: () => out };
};

async function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Polls `check` every 100 ms until it answers true, for at most a minute; then throws with
 * `failure()`. A check that throws (nothing listening yet) counts as false.
 */
async function waitUntil(check, failure) {
  for (let i = 0; i <= 600; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(failure());
}

const answers = (url) => fetch(url).then((r) => r.ok);

/** Quantiles of a cumulative Prometheus histogram, interpolated linearly within a bucket. */
function bucketQuantiles(cumulative) {
  const bounds = [...cumulative.keys()].sort((a, b) => a - b);
  const count = cumulative.get(Number.POSITIVE_INFINITY) ?? 0;
  const quantile = (q) => {
    const rank = q * count;
    let lower = 0;
    let below = 0;
    for (const bound of bounds) {
      const upTo = cumulative.get(bound);
      if (upTo >= rank) {
        if (!Number.isFinite(bound)) return lower * 1000;
        return (lower + ((rank - below) / Math.max(1, upTo - below)) * (bound - lower)) * 1000;
      }
      lower = bound;
      below = upTo;
    }
    return Number.NaN;
  };
  return {
    count,
    p50_ms: quantile(0.5),
    p95_ms: quantile(0.95),
    within20: (cumulative.get(0.02) ?? 0) / count,
  };
}

/**
 * CPU seconds so far of the PostgreSQL and Redis servers' processes (all of them: the shared
 * servers are otherwise idle), of this process's finished children (`finished`: the load
 * generator once it exited) and of the given running processes, by name.
 */
function cpuNow(running) {
  const now = serverCpuSeconds({ postgres: "postgres", redis: "redis-server" });
  now.finished = statCpuSeconds(readFileSync("/proc/self/stat", "utf8"), 13);
  for (const [name, pid] of Object.entries(running)) now[name] = processCpuSeconds(pid);
  return now;
}

/** Statements committed in the bench's database and Redis commands by name, so far. */
async function storeCounters(redis) {
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  const { rows } = await admin.query(
    "select xact_commit::float8 as n, now() as at from pg_stat_database where datname = current_database()",
  );
  await admin.end();
  const commands = {};
  for (const [, name, calls] of (await redis.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    commands[name] = Number(calls);
  return { statements: rows[0].n, commands, at: rows[0].at };
}

/** Every worker's aurea_queue_wait_seconds buckets (job added → worker starts it), summed. */
async function queueWaitBuckets(metricsPorts) {
  const buckets = new Map();
  for (const metricsPort of metricsPorts) {
    const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((res) => res.text());
    for (const match of text.matchAll(
      /^aurea_queue_wait_seconds_bucket\{le="([^"]+)",job="run\.execute"\} (\d+)/gm,
    )) {
      const le = match[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
    }
  }
  return buckets;
}

try {
  // Migrations first, so that the processes do not race to apply them.
  execFileSync(process.execPath, [CLI, "migrate"], { env, stdio: "ignore" });
  // Request logs (info) would cost the API as much CPU as the triggers themselves: warn only,
  // on a port chosen here.
  const port = await freePort();
  const api = spawnCli(apiWorker ? ["serve"] : ["serve", "--no-worker"], { PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    () => answers(`${base}/health`),
    () => `API did not start: ${api.output()}`,
  );
  // Each worker serves its own /metrics: the queue's wait (job added → worker starts it) of every
  // job it ran is in its aurea_queue_wait_seconds histogram.
  const metricsPorts = apiWorker ? [port] : [];
  for (let i = apiWorker ? 1 : 0; i < workers; i++) {
    metricsPorts.push(await freePort());
    spawnCli(["worker", "--metrics-port", String(metricsPorts.at(-1))]);
  }
  const post = (path, body) => postJson(base, path, body);
  // Wait until every worker is connected to the queue (the API's metrics read it from Redis).
  let online = 0;
  await waitUntil(
    async () => {
      const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
      online = Number(/^aurea_queue_workers (\d+)/m.exec(metrics)?.[1] ?? 0);
      return online >= workers;
    },
    () => `only ${online} of ${workers} workers online`,
  );
  // And until each serves its metrics (a worker joins the queue before its metrics port listens).
  for (const metricsPort of metricsPorts)
    await waitUntil(
      () => answers(`http://127.0.0.1:${metricsPort}/metrics`),
      () => `no metrics on port ${metricsPort}`,
    );

  const automation = await post("/api/v1/automations", {
    name: "bench",
    kind: "synthetic",
    config: { duration_ms: mode === "sleep" ? 100 : 0 },
  });
  const scenario = await post("/api/v1/scenarios", {
    name: "bench",
    automation_id: automation.id,
    load: { model: "closed", jobs: 1 },
  });

  // What the processes used and asked of PostgreSQL and Redis while the measured runs ran: CPU
  // seconds of each process, statements (transactions committed in the run's database), Redis
  // commands by name, the workers' queue waits. Taken when the measured window starts (after the
  // warm-up, or now) and once every run has finished.
  const redis = new Redis(redisUrl);
  const running = Object.fromEntries(children.map((c, i) => [i === 0 ? "api" : `worker${i}`, c.pid]));
  const snapshot = async (extra = {}) => ({
    cpu: cpuNow({ ...running, ...extra }),
    store: await storeCounters(redis),
    buckets: await queueWaitBuckets(metricsPorts),
  });
  // The competing load (BENCH_CPU_TAKEN), from the first run offered to the last one finished.
  const taken = Number(process.env.BENCH_CPU_TAKEN ?? 0);
  const hogs =
    taken > 0
      ? Array.from({ length: availableParallelism() }, () =>
          spawn(process.execPath, [join(ROOT, "bench/cpu-hog.mjs"), String(taken)], { stdio: "ignore" }),
        )
      : [];
  children.push(...hogs);
  const hogCpu = () => hogs.reduce((total, hog) => total + processCpuSeconds(hog.pid), 0);
  const before = await snapshot();
  let window = before;
  let offered;
  if (mode === "tiny") {
    const rate = Number(amountArg ?? 600);
    offered = { rate, seconds: Number(secondsArg), warmup_s: warmupS };
    // Aurea's own open model paces the triggers evenly (autocannon's --overallRate sends each
    // second's requests in one burst, which measures the burst, not the queue).
    const args = [
      CLI,
      "run",
      "--rate",
      String(rate),
      "--duration",
      `${Number(secondsArg) + warmupS}s`,
      "--url",
      `${base}/api/v1/runs/trigger`,
      "-X",
      "POST",
      "-H",
      "content-type: application/json",
      "--body",
      JSON.stringify({ scenario_id: scenario.id }),
      "--expect-status",
      "202",
      "--connections",
      "20",
      "--json",
      "--no-progress",
    ];
    let generator;
    const done = new Promise((resolve, reject) => {
      generator = execFile(
        process.execPath,
        args,
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: process.env },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
    if (warmupS > 0) {
      await new Promise((resolve) => setTimeout(resolve, warmupS * 1000));
      // The load generator still runs: its CPU so far, read from /proc, is the warm-up's.
      window = await snapshot({ load: generator.pid });
      window.hogs = hogCpu();
    }
    const load = JSON.parse(await done);
    offered.accepted = load.counts.completed;
    offered.refused = load.counts.failed;
    // The trigger's HTTP latency as the load generator saw it (all of the load, warm-up too).
    offered.trigger_ms = { p50: load.latency_ms.p50, p95: load.latency_ms.p95 };
  } else {
    const count = Number(amountArg ?? 120);
    offered = { count };
    await Promise.all(
      Array.from({ length: count }, () => post("/api/v1/runs/trigger", { scenario_id: scenario.id })),
    );
  }

  // Until nothing is pending or running.
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { rows } = await db.query(
      "select count(*)::int as n from runs where status in ('pending', 'running')",
    );
    if (rows[0].n === 0) break;
    if (Date.now() > deadline) throw new Error("runs still unfinished after 10 minutes");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const after = await snapshot();
  const hogsAfter = hogCpu();
  for (const hog of hogs) hog.kill("SIGTERM");
  redis.disconnect();
  // The measured runs: those created in the window. With, for tiny runs, the longest pause
  // between two runs being created and between two being started: at an evenly paced rate both
  // are a few ms unless the whole machine stalled (the API took no trigger and no worker started
  // a run); the runs queued meanwhile arrive together after it, and the last of them wait longest.
  const since = window.store.at;
  const { rows } = await db.query(
    `
    select count(*)::int as runs,
           count(*) filter (where status = 'completed')::int as completed,
           extract(epoch from max(finished_at) - min(created_at))::float8 as span_s,
           percentile_cont(0.5) within group (order by extract(epoch from started_at - created_at)) * 1000 as wait_p50_ms,
           percentile_cont(0.95) within group (order by extract(epoch from started_at - created_at)) * 1000 as wait_p95_ms,
           max(extract(epoch from started_at - created_at)) * 1000 as wait_max_ms,
           extract(epoch from max(created_at - prev_created)) * 1000 as pause_creating_ms,
           extract(epoch from max(started_at - prev_started)) * 1000 as pause_starting_ms
      from (select *, lag(created_at) over (order by created_at) as prev_created,
                      lag(started_at) over (order by started_at) as prev_started
              from runs where created_at >= $1) measured`,
    [since],
  );
  // The wait's p95 per second of the load (warm-up included), to tell warm-up from steady state.
  const bySecond = await db.query(`
    select floor(extract(epoch from created_at - (select min(created_at) from runs))) as second,
           percentile_cont(0.95) within group (order by extract(epoch from started_at - created_at)) * 1000 as p95
      from runs group by 1 order by 1`);
  await db.end();
  const r = rows[0];
  const measured = r.runs;
  // The queue's own overhead: every worker's histogram of job added → started, summed, less
  // what it held when the window started.
  const buckets = new Map(
    [...after.buckets].map(([le, count]) => [le, count - (window.buckets.get(le) ?? 0)]),
  );
  const queueWait = bucketQuantiles(buckets);
  // CPU seconds each process used in the window (Linux /proc), to see where the two cores went.
  // The load generator's: its total once it exited, less what it had used by the window's start.
  const round = (x) => Math.round(x * 100) / 100;
  const cpu = {};
  for (const name of [...Object.keys(running), "postgres", "redis"])
    cpu[name] = round(after.cpu[name] - window.cpu[name]);
  cpu.load = round(after.cpu.finished - before.cpu.finished - (window.cpu.load ?? 0));
  const perRun = (x) => Math.round((x / measured) * 100) / 100;
  const redisPerRun = {};
  for (const [name, calls] of Object.entries(after.store.commands)) {
    const delta = perRun(calls - (window.store.commands[name] ?? 0));
    if (delta >= 0.05) redisPerRun[name] = delta;
  }
  console.log(
    JSON.stringify({
      mode,
      workers,
      api_worker: apiWorker,
      ...offered,
      runs: r.runs,
      completed: r.completed,
      span_s: r.span_s,
      runs_per_s: r.completed / r.span_s,
      wait_p50_ms: r.wait_p50_ms,
      wait_p95_ms: r.wait_p95_ms,
      wait_max_ms: Number(r.wait_max_ms),
      // Sleep runs are triggered all at once and take 100 ms each: no pace to pause from.
      ...(mode === "tiny" && {
        longest_pause_ms: {
          creating: Math.round(Number(r.pause_creating_ms)),
          starting: Math.round(Number(r.pause_starting_ms)),
        },
      }),
      wait_p95_ms_by_second: bySecond.rows.map((row) => Math.round(row.p95)),
      queue_jobs: queueWait.count,
      queue_wait_p50_ms: queueWait.p50_ms,
      queue_wait_p95_ms: queueWait.p95_ms,
      queue_wait_within_20ms: queueWait.within20,
      cpu_s: cpu,
      cpu_ms_per_run: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, perRun(v * 1000)])),
      // The competing processes (BENCH_CPU_TAKEN) in the window: the share of a core each asked
      // for, and what each got.
      ...(hogs.length > 0 && {
        competing: {
          processes: hogs.length,
          share: taken,
          got: round((hogsAfter - (window.hogs ?? 0)) / hogs.length / r.span_s),
        },
      }),
      // Less the snapshots' own reads, which are few.
      per_run: {
        pg_statements: perRun(after.store.statements - window.store.statements),
        redis: redisPerRun,
      },
    }),
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((c) =>
      // Not yet exited (a process killed by a signal has no exit code, but a signal code).
      c.exitCode === null && c.signalCode === null
        ? new Promise((resolve) => c.once("close", resolve))
        : null,
    ),
  );
  rmSync(dataDir, { recursive: true, force: true });
  await database.drop();
  await deleteRedisPrefix(redisUrl, prefix);
}
