import type { LookupFunction } from "node:net";
import { type Done, type HttpJobSpec, type Job, PENDING, type Pending } from "../../engine/index.js";
import { statusClassifier } from "./classify-status.js";
import { HttpPool } from "./http-pool.js";
import { requestBytes } from "./request-bytes.js";
import { undiciHttpJob } from "./undici-job.js";

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * An HTTP/1.1 request per job over a pool of keep-alive connections. `connections` is how many
 * sockets to open (the executor's concurrency decides how many requests are in flight).
 * `lookup` resolves the host for every connection (the server passes its SSRF guard).
 */
export function httpJob(
  spec: HttpJobSpec,
  connections: number,
  lookup?: LookupFunction,
  { sample = false }: { sample?: boolean } = {},
): Job {
  if (spec.client === "undici" && !lookup) return undiciHttpJob(spec, connections);
  const url = new URL(spec.url);
  const secure = url.protocol === "https:";
  const pool = new HttpPool(
    {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || (secure ? 443 : 80)),
      tls: secure,
      lookup,
    },
    {
      connections,
      pipelining: spec.pipelining,
      timeoutMs: spec.timeout_ms,
      noBody: spec.method === "HEAD",
      idempotent: IDEMPOTENT.has(spec.method),
      classify: statusClassifier(spec.expect_status),
      sample,
    },
  );
  return new HttpJob(pool, requestBytes(spec));
}

/** A class rather than closures, so that optimized callers keep calling long-lived methods. */
class HttpJob implements Job {
  readonly #pool: HttpPool;
  readonly #bytes: Buffer;

  constructor(pool: HttpPool, bytes: Buffer) {
    this.#pool = pool;
    this.#bytes = bytes;
  }

  run(_index: number, done: Done): Pending {
    this.#pool.request(this.#bytes, done);
    return PENDING;
  }

  interrupt(): void {
    this.#pool.interrupt();
  }

  sample(): unknown {
    return this.#pool.sampler?.sample ?? null;
  }

  close(): void {
    this.#pool.close();
  }
}
