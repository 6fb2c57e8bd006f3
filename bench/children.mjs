// What the bench's child scripts share: a PostgreSQL database of their own, JSON requests to the
// server they start, starting `aurea serve`, and cleaning up a Redis key prefix.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import pg from "pg";

export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A new database on the server DATABASE_URL names: its URL, and how to drop it. */
export async function createDatabase(label = "bench") {
  const name = `aurea_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const run = async (statement) => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

/** POSTs `body` as JSON to `base + path`; throws on anything but a success. */
export async function postJson(base, path, body) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * CPU seconds (user + system) in a `/proc/<pid>/stat` line: the process's own (`first` = 11:
 * utime, stime) or its waited-for children's (13: cutime, cstime).
 */
export function statCpuSeconds(stat, first = 11) {
  const fields = stat.split(") ")[1].split(" ");
  return (Number(fields[first]) + Number(fields[first + 1])) / 100;
}

/** CPU seconds so far of process `pid` (0 once it is gone). */
export function processCpuSeconds(pid) {
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return 0;
  }
}

/**
 * CPU seconds so far of every process whose name starts with one of `servers`' values, summed
 * per key (e.g. `{ postgres: "postgres", redis: "redis-server" }`: the shared servers are
 * otherwise idle, so all their processes count).
 */
export function serverCpuSeconds(servers) {
  const totals = Object.fromEntries(Object.keys(servers).map((key) => [key, 0]));
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = /\(([^)]*)\)/.exec(stat)?.[1] ?? "";
      for (const [key, prefix] of Object.entries(servers))
        if (name.startsWith(prefix)) totals[key] += statCpuSeconds(stat);
    } catch {}
  }
  return totals;
}

/** Deletes every key under `prefix` in the Redis at `url`. */
export async function deleteRedisPrefix(url, prefix) {
  const redis = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts `aurea serve` (the compiled CLI) with `env` on a free port: resolves once it listens,
 * with its URL, a `stop()` (SIGTERM, then its exit) and its output so far.
 */
export async function startServe(env, nodeFlags = []) {
  const cli = new URL("../dist/cli/main.js", import.meta.url).pathname;
  const server = spawn(process.execPath, [...nodeFlags, cli, "serve"], {
    env: { ...env, PORT: "0", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  const stop = async () => {
    if (server.exitCode !== null) return;
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("close", resolve));
  };
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 120_000);
      server.once("exit", (code) => reject(new Error(`server exited (${code}): ${log}`)));
      const look = () => {
        const match = /"url":"(http:\/\/[^"]+)"/.exec(log);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        } else setTimeout(look, 50);
      };
      look();
    });
    return { url, stop, output: () => log };
  } catch (error) {
    await stop();
    throw error;
  }
}
