import { afterEach, describe, expect, it } from "vitest";
import { parseWorkloadSpec, type WorkloadSpecInput } from "../../src/engine/index.js";
import { runSpec } from "../../src/runner/index.js";
import { closedPort, type LocalServer, localServer } from "../support/local-server.js";

const spec = (input: WorkloadSpecInput) => {
  const parsed = parseWorkloadSpec(input);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data;
};

let servers: LocalServer[] = [];
const serve = async (...args: Parameters<typeof localServer>) => {
  const s = await localServer(...args);
  servers.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("HTTP job against a real local server", () => {
  it("sends the request with its method, headers and body, and counts 2xx as success", async () => {
    const seen: { method: string; header: string; body: string }[] = [];
    const target = await serve((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        seen.push({ method: request.method ?? "", header: request.headers["x-test"] as string, body });
        response.writeHead(201, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    const r = await runSpec(
      spec({
        job: {
          kind: "http",
          url: `${target.url}/items?x=1`,
          method: "POST",
          headers: { "X-Test": "yes" },
          body: '{"a":1}',
        },
        load: { model: "closed", jobs: 200, concurrency: 10 },
      }),
    );
    expect(r.counts).toMatchObject({ total: 200, completed: 200, failed: 0 });
    expect(seen).toHaveLength(200);
    expect(seen[0]).toEqual({ method: "POST", header: "yes", body: '{"a":1}' });
    expect(r.latency_ms.p50!).toBeGreaterThan(0);
  });

  it("counts unexpected statuses as failures by status, honouring expect_status", async () => {
    const target = await serve((_request, response, n) =>
      response.writeHead(n % 4 === 0 ? 503 : 200).end("x"),
    );
    const defaults = await runSpec(
      spec({ job: { kind: "http", url: target.url }, load: { model: "closed", jobs: 400, concurrency: 1 } }),
    );
    expect(defaults.counts.failures).toEqual({ status_503: 100 });
    const only503 = await runSpec(
      spec({
        job: { kind: "http", url: target.url, expect_status: [503] },
        load: { model: "closed", jobs: 400, concurrency: 1 },
      }),
    );
    expect(only503.counts.failures).toEqual({ status_200: 300 });
  });

  it("reports a refused connection as connect_refused", async () => {
    const port = await closedPort();
    const r = await runSpec(
      spec({
        job: { kind: "http", url: `http://127.0.0.1:${port}/` },
        load: { model: "closed", jobs: 20, concurrency: 2 },
      }),
    );
    expect(r.counts.failures).toEqual({ connect_refused: 20 });
  });

  it("times out requests the server never answers", async () => {
    const target = await serve(() => {});
    const started = performance.now();
    const r = await runSpec(
      spec({
        job: { kind: "http", url: target.url, timeout_ms: 200 },
        load: { model: "closed", jobs: 4, concurrency: 4 },
      }),
    );
    expect(r.counts.failures).toEqual({ timeout: 4 });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("retries requests a server dropped when it closed a kept-alive connection, pipelined or not", async () => {
    // Like nginx's keepalive_requests: close the connection after every 5th response.
    const target = await serve((request, response) => {
      const count = ((request.socket as unknown as { served?: number }).served ?? 0) + 1;
      (request.socket as unknown as { served: number }).served = count;
      response.writeHead(200, count % 5 === 0 ? { connection: "close" } : {}).end("ok");
    });
    for (const pipelining of [1, 4]) {
      const r = await runSpec(
        spec({
          job: { kind: "http", url: target.url, pipelining, connections: 3 },
          load: { model: "closed", jobs: 300, concurrency: 3 * pipelining },
        }),
      );
      expect(r.counts, `pipelining ${pipelining}`).toMatchObject({ total: 300, completed: 300, failed: 0 });
    }
  });

  it("keeps connections alive and pipelines requests on them", async () => {
    const sockets = new Set<unknown>();
    const target = await serve((request, response) => {
      sockets.add(request.socket);
      response.end("ok");
    });
    const r = await runSpec(
      spec({
        job: { kind: "http", url: target.url, pipelining: 8, connections: 2 },
        load: { model: "closed", jobs: 2000, concurrency: 16 },
      }),
    );
    expect(r.counts.completed).toBe(2000);
    expect(sockets.size).toBe(2);
  });

  it("reads chunked bodies and responses to HEAD without a body", async () => {
    const target = await serve((request, response) => {
      if (request.method === "HEAD") {
        response.writeHead(200, { "content-length": "1000" }).end();
        return;
      }
      response.write("first chunk, ");
      setImmediate(() => response.end("second chunk"));
    });
    const chunked = await runSpec(
      spec({ job: { kind: "http", url: target.url }, load: { model: "closed", jobs: 100, concurrency: 5 } }),
    );
    expect(chunked.counts.completed).toBe(100);
    const head = await runSpec(
      spec({
        job: { kind: "http", url: target.url, method: "HEAD" },
        load: { model: "closed", jobs: 100, concurrency: 5 },
      }),
    );
    expect(head.counts.completed).toBe(100);
  });

  it("measures queueing behind a stalled server from the intended start (open model)", async () => {
    let stalled = false;
    const target = await serve((_request, response, n) => {
      if (n === 20 && !stalled) {
        stalled = true;
        setTimeout(() => response.end("late"), 500);
        return;
      }
      response.end("ok");
    });
    const r = await runSpec(
      spec({
        job: { kind: "http", url: target.url, connections: 1 },
        load: { model: "open", rate: 100, duration: "1.5s" },
      }),
    );
    expect(r.counts.completed).toBe(150);
    // About 50 requests were due during the 0.5 s stall and waited behind it.
    expect(r.latency_ms.p90!).toBeGreaterThan(50);
    expect(r.latency_ms.max!).toBeGreaterThan(400);
  });

  it("stops promptly and reports in-flight requests as interrupted when cancelled", async () => {
    const target = await serve(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const r = await runSpec(
      spec({
        job: { kind: "http", url: target.url, timeout_ms: 60_000 },
        load: { model: "closed", jobs: 10, concurrency: 10 },
      }),
      { signal: controller.signal },
    );
    expect(r.cancelled).toBe(true);
    expect(r.counts.failures).toEqual({ interrupted: 10 });
  });

  it("works with the undici client too", async () => {
    const target = await serve((_request, response, n) =>
      response.writeHead(n % 10 === 0 ? 500 : 200).end("ok"),
    );
    const r = await runSpec(
      spec({
        job: { kind: "http", url: target.url, client: "undici" },
        load: { model: "closed", jobs: 100, concurrency: 5 },
      }),
    );
    expect(r.counts).toMatchObject({ total: 100, completed: 90, failures: { status_500: 10 } });
  });

  it("splits HTTP load over worker threads", async () => {
    const target = await serve((_request, response) => response.end("ok"));
    const r = await runSpec(
      spec({
        job: { kind: "http", url: target.url, connections: 4 },
        load: { model: "closed", jobs: 1000, concurrency: 4 },
        threads: 2,
      }),
    );
    expect(r.counts).toMatchObject({ total: 1000, completed: 1000 });
    expect(target.requests).toBe(1000);
  });
});
