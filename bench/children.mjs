// What the bench's child scripts share: a PostgreSQL database of their own, JSON requests to the
// server they start, starting `aurea serve`, and cleaning up a Redis key prefix.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
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
