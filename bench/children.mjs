// What the bench's child scripts share: a PostgreSQL database of their own, JSON requests to the
// server they start, and cleaning up a Redis key prefix.
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
