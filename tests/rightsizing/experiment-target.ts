import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface CapacityTarget {
  url: string;
  /** Jobs/s it serves at most with `replicas` replicas. */
  capacity(replicas?: number): number;
  requests: number;
  close(): Promise<void>;
}

/**
 * An HTTP service of known capacity: each replica has `slots` workers that take `serviceMs` per
 * request, queued in order (a request waits for the first worker free). Below capacity a
 * request takes `serviceMs`; above it the queue grows, and with it the latency — so a latency
 * SLO fails right past `replicas × slots × 1000 / serviceMs` requests per second. Workers are
 * scheduled on absolute time, so timer jitter adds latency but never lowers the capacity.
 * `replicas()` is read on every request (a scaled workload gains workers at once).
 */
export async function startCapacityTarget({
  slots = 2,
  serviceMs = 20,
  replicas = () => 1,
}: {
  slots?: number;
  serviceMs?: number;
  replicas?: () => number;
} = {}): Promise<CapacityTarget> {
  const free: number[] = [];
  const target = {
    url: "",
    requests: 0,
    capacity: (r = replicas()) => (r * slots * 1000) / serviceMs,
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    target.requests++;
    const workers = Math.max(1, replicas()) * slots;
    while (free.length < workers) free.push(0);
    const now = performance.now();
    let chosen = 0;
    for (let i = 1; i < workers; i++) if (free[i]! < free[chosen]!) chosen = i;
    const done = Math.max(now, free[chosen]!) + serviceMs;
    free[chosen] = done;
    request.resume();
    setTimeout(() => response.end("ok"), done - now);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/work`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return target;
}

/** A port nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
