// Child of `npm run bench` (section `queue`): runs on BullMQ with an API and separate worker
// processes, as deployed. Starts `aurea serve --no-worker` and <workers> `aurea worker` processes
// on a new PostgreSQL database and a Redis key prefix of its own, then:
//   tiny:  offers <rate> triggers/s (autocannon, fixed overall rate) of a scenario of one 0 ms job
//          for <seconds> s, and measures runs completed per second end to end and the queue wait
//          (created → started, from the runs' own timestamps) of every run;
//   sleep: triggers <count> runs of one 100 ms job at once and measures how long they take.
// Also prints, per run, the statements committed in PostgreSQL and the Redis commands, the CPU
// seconds of every process (PostgreSQL's and Redis' included) and the wait's p95 per second of
// the load (warm-up against steady state). BENCH_CHILD_LOG=<dir> keeps each process's output.
// Prints one JSON line. Usage: node bench/queue.mjs <workers> <tiny|sleep> [rate|count] [seconds]
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { createDatabase, deleteRedisPrefix, postJson } from "./children.mjs";

const [workersArg = "2", mode = "tiny", amountArg, secondsArg = "10"] = process.argv.slice(2);
const workers = Number(workersArg);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "dist/cli/main.js");
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `aurea-bench-${process.pid}-${randomBytes(3).toString("hex")}`;
const dataDir = mkdtempSync(join(tmpdir(), "aurea-bench-queue-"));

const database = await createDatabase("bench_q");

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
 * CPU seconds of the PostgreSQL and Redis servers' processes (all of them: the shared servers
 * are otherwise idle) and of this process's finished children (the load generator), since
 * `before` (or in total).
 */
function serverCpu(before = { postgres: 0, redis: 0, load: 0 }) {
  const now = { postgres: 0, redis: 0, load: 0 };
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = /\(([^)]*)\)/.exec(stat)?.[1] ?? "";
      const fields = stat.split(") ")[1].split(" ");
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
      if (name === "postgres") now.postgres += seconds;
      else if (name.startsWith("redis-server")) now.redis += seconds;
    } catch {}
  }
  const self = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  now.load = (Number(self[13]) + Number(self[14])) / 100;
  const round = (x) => Math.round(x * 100) / 100;
  return {
    postgres: round(now.postgres - before.postgres),
    redis: round(now.redis - before.redis),
    load: round(now.load - before.load),
  };
}

/** Statements committed in the bench's database and Redis commands, from now on. */
async function storeCounters() {
  const redis = new Redis(redisUrl);
  const read = async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const { rows } = await admin.query(
      "select xact_commit::float8 as n from pg_stat_database where datname = current_database()",
    );
    await admin.end();
    const commands = {};
    for (const [, name, calls] of (await redis.info("commandstats")).matchAll(
      /^cmdstat_([^:]+):calls=(\d+)/gm,
    ))
      commands[name] = Number(calls);
    return { statements: rows[0].n, commands };
  };
  const before = await read();
  return {
    async perRun(runs) {
      const after = await read();
      redis.disconnect();
      const redisPerRun = {};
      for (const [name, calls] of Object.entries(after.commands)) {
        const delta = (calls - (before.commands[name] ?? 0)) / runs;
        if (delta >= 0.05) redisPerRun[name] = Math.round(delta * 100) / 100;
      }
      // Less this function's own two reads and the wait loop's polls, which are few.
      return {
        pg_statements: Math.round(((after.statements - before.statements) / runs) * 100) / 100,
        redis: redisPerRun,
      };
    },
  };
}

try {
  // Migrations first, so that the processes do not race to apply them.
  execFileSync(process.execPath, [CLI, "migrate"], { env, stdio: "ignore" });
  // Request logs (info) would cost the API as much CPU as the triggers themselves: warn only,
  // on a port chosen here.
  const port = await freePort();
  // BENCH_API_WORKER=1: the API runs one of the <workers> itself (its default without
  // --no-worker), the others are `aurea worker` processes.
  const apiWorker = process.env.BENCH_API_WORKER === "1";
  const api = spawnCli(apiWorker ? ["serve"] : ["serve", "--no-worker"], { PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 600) throw new Error(`API did not start: ${api.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Each worker serves its own /metrics: the queue's wait (job added → worker starts it) of every
  // job it ran is in its aurea_queue_wait_seconds histogram.
  const metricsPorts = apiWorker ? [port] : [];
  for (let i = apiWorker ? 1 : 0; i < workers; i++) {
    metricsPorts.push(await freePort());
    spawnCli(["worker", "--metrics-port", String(metricsPorts.at(-1))]);
  }
  const post = (path, body) => postJson(base, path, body);
  // Wait until every worker is connected to the queue (the API's metrics read it from Redis).
  for (let i = 0; ; i++) {
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    const online = Number(/^aurea_queue_workers (\d+)/m.exec(metrics)?.[1] ?? 0);
    if (online >= workers) break;
    if (i > 600) throw new Error(`only ${online} of ${workers} workers online`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

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

  // What the processes asked of PostgreSQL and Redis during the load, per run: statements
  // (transactions committed in the run's database) and Redis commands by name.
  const counters = await storeCounters();
  const serversBefore = serverCpu();
  let offered;
  if (mode === "tiny") {
    const rate = Number(amountArg ?? 600);
    offered = { rate, seconds: Number(secondsArg) };
    // Aurea's own open model paces the triggers evenly (autocannon's --overallRate sends each
    // second's requests in one burst, which measures the burst, not the queue).
    const out = execFileSync(
      process.execPath,
      [
        CLI,
        "run",
        "--rate",
        String(rate),
        "--duration",
        `${secondsArg}s`,
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
      ],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        stdio: ["ignore", "pipe", "ignore"],
        env: process.env,
      },
    );
    const load = JSON.parse(out);
    offered.accepted = load.counts.completed;
    offered.refused = load.counts.failed;
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
  const servers = serverCpu(serversBefore);
  const perRun = await counters.perRun(
    await db.query("select count(*)::int as n from runs").then((q) => q.rows[0].n),
  );
  const { rows } = await db.query(`
    select count(*)::int as runs,
           count(*) filter (where status = 'completed')::int as completed,
           extract(epoch from max(finished_at) - min(created_at))::float8 as span_s,
           percentile_cont(0.5) within group (order by extract(epoch from started_at - created_at)) * 1000 as wait_p50_ms,
           percentile_cont(0.95) within group (order by extract(epoch from started_at - created_at)) * 1000 as wait_p95_ms,
           max(extract(epoch from started_at - created_at)) * 1000 as wait_max_ms
      from runs`);
  // The wait's p95 per second of the load, to tell warm-up from steady state.
  const bySecond = await db.query(`
    select floor(extract(epoch from created_at - (select min(created_at) from runs))) as second,
           percentile_cont(0.95) within group (order by extract(epoch from started_at - created_at)) * 1000 as p95
      from runs group by 1 order by 1`);
  await db.end();
  const r = rows[0];
  // The queue's own overhead: every worker's histogram of job added → started, summed.
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
  const queueWait = bucketQuantiles(buckets);
  // CPU seconds each process used (Linux /proc), to see where the machine's two cores went.
  const cpu = {};
  for (const [i, child] of children.entries()) {
    try {
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      cpu[i === 0 ? "api" : `worker${i}`] = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {}
  }
  Object.assign(cpu, servers);
  console.log(
    JSON.stringify({
      mode,
      workers,
      ...offered,
      runs: r.runs,
      completed: r.completed,
      span_s: r.span_s,
      runs_per_s: r.completed / r.span_s,
      wait_p50_ms: r.wait_p50_ms,
      wait_p95_ms: r.wait_p95_ms,
      wait_max_ms: Number(r.wait_max_ms),
      wait_p95_ms_by_second: bySecond.rows.map((row) => Math.round(row.p95)),
      queue_jobs: queueWait.count,
      queue_wait_p50_ms: queueWait.p50_ms,
      queue_wait_p95_ms: queueWait.p95_ms,
      queue_wait_within_20ms: queueWait.within20,
      cpu_s: cpu,
      per_run: perRun,
    }),
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((resolve) => c.once("close", resolve)) : null)),
  );
  rmSync(dataDir, { recursive: true, force: true });
  await database.drop();
  await deleteRedisPrefix(redisUrl, prefix);
}
