import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAddressPolicy,
  createGuardedAgent,
  guardedRequest,
  InvalidUrlError,
  RequestTimeoutError,
  SsrfBlockedError,
  TooManyRedirectsError,
} from "../../src/net/ssrf/index.js";
import { localServer } from "../support/local-server.js";
import { fakeResolver, hasIPv6Loopback, watchConnections } from "./ssrf-support.js";

/** What the tests enable explicitly; everything else private stays refused. */
const policy = createAddressPolicy({ allow: ["127.0.0.1"] });

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  cleanups = [];
});

/** A server on 127.0.0.1 that records each request and answers with `reply`. */
async function recordingServer(reply: (seen: Seen, response: ServerResponse, n: number) => void) {
  const seen: Seen[] = [];
  const server = await localServer((request: IncomingMessage, response, n) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const entry = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body };
      seen.push(entry);
      reply(entry, response, n);
    });
  });
  cleanups.push(() => server.close());
  return Object.assign(server, { seen });
}

const redirect = (response: ServerResponse, status: number, location: string) =>
  response.writeHead(status, { location }).end();

describe("guardedRequest on the allowlisted path", () => {
  it("sends the method, headers and body and returns status, headers, body and final URL", async () => {
    const server = await recordingServer((_seen, response) =>
      response.writeHead(201, { "content-type": "application/json", "x-reply": "yes" }).end('{"ok":true}'),
    );
    const response = await guardedRequest(`${server.url}/items?x=1`, {
      policy,
      method: "post",
      headers: { "Content-Type": "application/json", "X-Test": "1" },
      body: '{"a":1}',
    });
    expect(response).toMatchObject({
      statusCode: 201,
      url: `${server.url}/items?x=1`,
      redirects: 0,
      truncated: false,
      headers: { "content-type": "application/json", "x-reply": "yes" },
    });
    expect(response.body.toString()).toBe('{"ok":true}');
    expect(server.seen).toMatchObject([
      {
        method: "POST",
        url: "/items?x=1",
        body: '{"a":1}',
        headers: { "content-type": "application/json", "x-test": "1" },
      },
    ]);
  });

  it("refuses the same server under the default policy, before it is reached", async () => {
    const server = await recordingServer((_seen, response) => response.end("reached"));
    const watcher = watchConnections();
    try {
      await expect(guardedRequest(server.url, { policy: createAddressPolicy() })).rejects.toThrow(
        new SsrfBlockedError("127.0.0.1", "127.0.0.1", { allowed: false, range: "loopback" }),
      );
      expect(watcher.sockets).toBe(0);
    } finally {
      watcher.stop();
    }
    expect(server.requests).toBe(0);
  });

  it("follows a redirect on the same origin and keeps the credentials", async () => {
    const server = await recordingServer((seen, response) =>
      seen.url === "/start" ? redirect(response, 302, "/final") : response.end("final"),
    );
    const headers = { Authorization: "Bearer t", Cookie: "s=1", "X-API-Key": "k" };
    const response = await guardedRequest(`${server.url}/start`, { policy, headers });
    expect(response).toMatchObject({ statusCode: 200, url: `${server.url}/final`, redirects: 1 });
    expect(server.seen[1]?.headers).toMatchObject({
      authorization: "Bearer t",
      cookie: "s=1",
      "x-api-key": "k",
    });
  });

  it("drops Authorization, Cookie and X-API-Key when a redirect changes origin, for good", async () => {
    const other = await recordingServer((seen, response) =>
      seen.url === "/there" ? redirect(response, 307, `${first.url}/back`) : response.end("other"),
    );
    const first = await recordingServer((seen, response) =>
      seen.url === "/start" ? redirect(response, 302, `${other.url}/there`) : response.end("back home"),
    );
    const response = await guardedRequest(`${first.url}/start`, {
      policy,
      headers: {
        authorization: "Bearer t",
        COOKIE: "s=1",
        "X-Api-Key": "k",
        "Proxy-Authorization": "Basic x",
        "X-Trace": "kept",
      },
    });
    expect(response).toMatchObject({ statusCode: 200, url: `${first.url}/back`, redirects: 2 });
    expect(response.body.toString()).toBe("back home");
    expect(first.seen[0]?.headers).toMatchObject({
      authorization: "Bearer t",
      cookie: "s=1",
      "x-api-key": "k",
    });
    for (const seen of [other.seen[0], first.seen[1]]) {
      expect(seen?.headers["x-trace"]).toBe("kept");
      expect(seen?.headers).not.toHaveProperty("authorization");
      expect(seen?.headers).not.toHaveProperty("cookie");
      expect(seen?.headers).not.toHaveProperty("x-api-key");
      expect(seen?.headers).not.toHaveProperty("proxy-authorization");
    }
  });

  it("counts a change of host name as a change of origin", async () => {
    const server = await recordingServer((seen, response) =>
      seen.url === "/start"
        ? redirect(response, 302, `http://localhost:${new URL(server.url).port}/next`)
        : response.end("next"),
    );
    const dispatcher = createGuardedAgent(policy, { resolver: fakeResolver({ localhost: ["127.0.0.1"] }) });
    cleanups.push(() => dispatcher.destroy());
    const response = await guardedRequest(`${server.url}/start`, {
      policy,
      dispatcher,
      headers: { Authorization: "Bearer t" },
    });
    expect(response.url).toBe(`http://localhost:${new URL(server.url).port}/next`);
    expect(server.seen[1]?.headers).not.toHaveProperty("authorization");
  });

  it.each([
    [303, "POST", "GET", ""],
    [303, "PUT", "GET", ""],
    [303, "GET", "GET", ""],
    [302, "POST", "GET", ""],
    [301, "POST", "GET", ""],
    [302, "PUT", "PUT", "data"],
    [307, "POST", "POST", "data"],
    [308, "PUT", "PUT", "data"],
  ])("after a %d, a %s is sent again as %s with body %j", async (status, method, nextMethod, nextBody) => {
    const server = await recordingServer((seen, response) =>
      seen.url === "/start" ? redirect(response, status, "/next") : response.end("done"),
    );
    await guardedRequest(`${server.url}/start`, {
      policy,
      method,
      ...(method === "GET" ? {} : { body: "data", headers: { "Content-Type": "text/plain" } }),
    });
    expect(server.seen[1]).toMatchObject({ method: nextMethod, url: "/next", body: nextBody });
    if (nextBody === "") expect(server.seen[1]?.headers).not.toHaveProperty("content-type");
    else expect(server.seen[1]?.headers["content-type"]).toBe("text/plain");
  });

  it("gives up after maxRedirects", async () => {
    const server = await recordingServer((_seen, response, n) => redirect(response, 302, `/loop/${n}`));
    await expect(guardedRequest(server.url, { policy, maxRedirects: 2 })).rejects.toThrow(
      new TooManyRedirectsError(2),
    );
    expect(server.requests).toBe(3);
    await expect(guardedRequest(server.url, { policy, maxRedirects: 0 })).rejects.toBeInstanceOf(
      TooManyRedirectsError,
    );
  });

  it("returns a 3xx without a Location as it is", async () => {
    const server = await recordingServer((_seen, response) => response.writeHead(302).end("nowhere"));
    const response = await guardedRequest(server.url, { policy });
    expect(response).toMatchObject({ statusCode: 302, redirects: 0 });
    expect(response.body.toString()).toBe("nowhere");
  });

  it.each([
    ["file:///etc/passwd", "only http and https URLs can be called, not file:"],
    ["gopher://127.0.0.1:6379/_INFO", "only http and https URLs can be called, not gopher:"],
    ["http://[::1", "redirect Location is not a valid URL"],
  ])("refuses a redirect to %s", async (location, message) => {
    const server = await recordingServer((_seen, response) => redirect(response, 302, location));
    await expect(guardedRequest(server.url, { policy })).rejects.toThrow(new InvalidUrlError(message));
  });

  it("cuts the body at maxBodyBytes and says so", async () => {
    const server = await recordingServer((_seen, response) => response.end("x".repeat(100_000)));
    const cut = await guardedRequest(server.url, { policy, maxBodyBytes: 1000 });
    expect(cut.body.length).toBe(1000);
    expect(cut.truncated).toBe(true);
    const whole = await guardedRequest(server.url, { policy, maxBodyBytes: 100_000 });
    expect(whole.body.length).toBe(100_000);
    expect(whole.truncated).toBe(false);
  });

  it("fails with RequestTimeoutError when no response comes within timeoutMs", async () => {
    const server = await recordingServer(() => {});
    const started = performance.now();
    const error = await guardedRequest(server.url, { policy, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ code: "request_timeout", timeoutMs: 200 });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("stops when the caller's signal aborts, with the caller's reason", async () => {
    const server = await recordingServer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("caller gave up")), 50);
    await expect(guardedRequest(server.url, { policy, signal: controller.signal })).rejects.toThrow(
      "caller gave up",
    );
  });

  it("reuses a guarded dispatcher's connections and refuses a dispatcher that is not guarded", async () => {
    const server = await recordingServer((_seen, response) => response.end("ok"));
    const dispatcher = createGuardedAgent(policy);
    const plain = new Agent();
    cleanups.push(
      () => dispatcher.destroy(),
      () => plain.destroy(),
    );
    const watcher = watchConnections();
    try {
      for (let i = 0; i < 5; i++) await guardedRequest(server.url, { policy, dispatcher });
      // undici may open a second connection while the first is being released; not one per request.
      expect(watcher.sockets).toBeLessThan(5);
    } finally {
      watcher.stop();
    }
    await expect(guardedRequest(server.url, { policy, dispatcher: plain })).rejects.toBeInstanceOf(TypeError);
    const otherPolicy = createAddressPolicy({ allow: ["127.0.0.1"] });
    await expect(guardedRequest(server.url, { policy: otherPolicy, dispatcher })).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(server.requests).toBe(5);
  });
});

describe.skipIf(!(await hasIPv6Loopback()))("guardedRequest over IPv6 loopback", () => {
  it("reaches ::1 when it is allowlisted, and refuses it otherwise", async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests++;
      response.end("v6");
    });
    await new Promise<void>((resolve) => server.listen(0, "::1", resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://[::1]:${(server.address() as AddressInfo).port}/`;

    await expect(guardedRequest(url, { policy })).rejects.toMatchObject({
      range: "loopback",
      address: "::1",
    });
    expect(requests).toBe(0);
    const response = await guardedRequest(url, { policy: createAddressPolicy({ allow: ["::1"] }) });
    expect(response.body.toString()).toBe("v6");
    expect(requests).toBe(1);
  });
});
