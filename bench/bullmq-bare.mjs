// Child of `npm run bench` (section `queue`): the reference the queue's overhead is read against —
// BullMQ alone on the same Redis and the same cores, none of Aurea. A producer process adds
// <rate> jobs a second, evenly paced (the jobs due at each wake-up added together, as Aurea's API
// adds them: the compiled queue's `addRunJobs`, with the job Aurea gives a run), and <workers>
// worker processes run them with an empty processor (concurrency 32, as the bench's Aurea
// workers). For the jobs added after the first <warmup> s, over <seconds> s: the wait from the
// job's timestamp to its processor starting (what aurea_queue_wait_seconds measures in Aurea),
// and the CPU per job of the producer, each worker and Redis. Prints one JSON line.
// Usage: node bench/bullmq-bare.mjs <workers> <rate> <seconds> <warmup>
//   (and, as its own children: --producer <prefix> <rate> <total s>, --worker <prefix> <from> <to>)
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
// How Aurea's API adds a run's job (name, payload, id, delivery policy): the compiled queue's own.
import { addRunJobs } from "../dist/queue/bullmq-queue.js";
import { deleteRedisPrefix, processCpuSeconds, serverCpuSeconds } from "./children.mjs";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const QUEUE = "runs";

const [role, ...args] = process.argv.slice(2);
if (role === "--producer") await produce(args[0], Number(args[1]), Number(args[2]));
else if (role === "--worker") await work(args[0], Number(args[1]), Number(args[2]));
else
  await coordinate(Number(role ?? 2), Number(args[0] ?? 500), Number(args[1] ?? 15), Number(args[2] ?? 10));

/** Adds `rate` jobs a second for `seconds` s, each at its due time (all those due at a wake-up together). */
async function produce(prefix, rate, seconds) {
  const connection = new Redis(REDIS_URL, { enableOfflineQueue: false });
  const queue = new Queue(QUEUE, { connection, prefix });
  await queue.waitUntilReady();
  const start = performance.now();
  const total = Math.round(rate * seconds);
  let added = 0;
  const pending = [];
  while (added < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    if (due > added) {
      const runs = [];
      for (; added < due; added++) runs.push({ runId: added + 1, attempt: 0 });
      pending.push(addRunJobs(queue, runs));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  await queue.close();
  connection.disconnect();
  process.send({ done: added });
}

/** Runs jobs with an empty processor; answers the waits of those added within [from, to). */
async function work(prefix, from, to) {
  const waits = [];
  let ran = 0;
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUE,
    async (job) => {
      const wait = Date.now() - job.timestamp;
      ran++;
      if (job.timestamp >= from && job.timestamp < to) waits.push(wait);
    },
    { connection, prefix, concurrency: 32, lockDuration: 30_000, maxStalledCount: 1 },
  );
  await worker.waitUntilReady();
  process.on("message", async (message) => {
    if (message !== "report") return;
    await worker.close();
    connection.disconnect();
    process.send({ ran, waits });
  });
  process.send({ ready: true });
}

async function coordinate(workers, rate, seconds, warmup) {
  const prefix = `aurea-bench-bare-${process.pid}-${randomBytes(3).toString("hex")}`;
  const script = fileURLToPath(import.meta.url);
  const children = [];
  /** The child's first message carrying `key`; rejects if it exits first. */
  const message = (child, key) =>
    new Promise((resolve, reject) => {
      child.on("message", (m) => m[key] !== undefined && resolve(m));
      child.once("exit", (code) => reject(new Error(`child ${child.pid} exited (${code}) before '${key}'`)));
    });
  try {
    // Jobs are timed from when the producer starts: the window opens `warmup` s after it.
    const from = Date.now() + 3000 + warmup * 1000;
    const to = from + seconds * 1000;
    const workerProcs = [];
    for (let i = 0; i < workers; i++) {
      const child = fork(script, ["--worker", prefix, String(from), String(to)], {
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      children.push(child);
      workerProcs.push({ child, ready: message(child, "ready") });
    }
    await Promise.all(workerProcs.map((w) => w.ready));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, from - warmup * 1000 - Date.now())));
    const producer = fork(script, ["--producer", prefix, String(rate), String(warmup + seconds + 1)], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    children.push(producer);
    const produced = message(producer, "done");
    const running = {
      producer: producer.pid,
      ...Object.fromEntries(workerProcs.map((w, i) => [`worker${i + 1}`, w.child.pid])),
    };
    await new Promise((resolve) => setTimeout(resolve, from - Date.now()));
    const before = cpuNow(running);
    await new Promise((resolve) => setTimeout(resolve, to - Date.now()));
    const after = cpuNow(running);
    const { done } = await produced;
    // Lets the last jobs finish; the workers' counts must then add up to what was added.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const reports = await Promise.all(
      workerProcs.map((w) => {
        const report = message(w.child, "waits");
        w.child.send("report");
        return report;
      }),
    );
    const ran = reports.reduce((sum, r) => sum + r.ran, 0);
    if (ran !== done) throw new Error(`the workers ran ${ran} jobs of the ${done} added`);
    const waits = reports.flatMap((r) => r.waits).sort((a, b) => a - b);
    const at = (q) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))];
    const perJob = (cpuS) => Math.round((cpuS * 1e6) / waits.length) / 1000;
    console.log(
      JSON.stringify({
        workers,
        rate,
        seconds,
        warmup_s: warmup,
        jobs: waits.length,
        ran,
        wait_p50_ms: at(0.5),
        wait_p95_ms: at(0.95),
        wait_max_ms: waits.at(-1),
        wait_within_20ms: waits.filter((w) => w <= 20).length / waits.length,
        cpu_ms_per_job: Object.fromEntries(Object.keys(after).map((k) => [k, perJob(after[k] - before[k])])),
      }),
    );
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await deleteRedisPrefix(REDIS_URL, prefix);
  }
}

/** CPU seconds so far of the given processes, by name, and of every redis-server process. */
function cpuNow(running) {
  const now = serverCpuSeconds({ redis: "redis-server" });
  for (const [name, pid] of Object.entries(running)) now[name] = processCpuSeconds(pid);
  return now;
}
