import type { LookupAddress } from "node:dns";
import { fetch, request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type BlockedRange,
  checkUrl,
  createAddressPolicy,
  createGuardedAgent,
  guardedConnector,
  guardedLookup,
  guardedRequest,
  resolveGuarded,
  SsrfBlockedError,
} from "../../src/net/ssrf/index.js";
import { type LocalServer, localServer } from "../support/local-server.js";
import { type ConnectionTrap, connectionTrap, fakeResolver, watchConnections } from "./ssrf-support.js";

/**
 * Hostile URLs and names, each refused before any connection to the address it targets. Only
 * 127.0.0.1 and 127.0.0.2 are ever connected to; every test that could reach elsewhere if the
 * guard were broken first proves, without touching the network, that the guard refuses it.
 */

const watcher = watchConnections();
let corpusCases = 0;
afterAll(() => {
  watcher.stop();
  console.log(`SSRF corpus: ${corpusCases} hostile cases refused before connecting`);
});

/** The production default: nothing private is allowed. */
const strict = createAddressPolicy();

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("hostile IP-literal URLs", () => {
  const corpus: [url: string, range: BlockedRange, address: string][] = [
    ["http://169.254.169.254/latest/meta-data/", "cloud_metadata", "169.254.169.254"],
    ["https://169.254.169.254/latest/meta-data/", "cloud_metadata", "169.254.169.254"],
    ["http://user:secret@169.254.169.254/?token=abc", "cloud_metadata", "169.254.169.254"],
    ["http://[::ffff:169.254.169.254]/", "cloud_metadata", "::ffff:a9fe:a9fe"],
    ["http://[::ffff:a9fe:a9fe]/", "cloud_metadata", "::ffff:a9fe:a9fe"],
    ["http://2852039166/", "cloud_metadata", "169.254.169.254"],
    ["http://0251.0376.0251.0376/", "cloud_metadata", "169.254.169.254"],
    ["http://0xa9.0xfe.0xa9.0xfe/", "cloud_metadata", "169.254.169.254"],
    ["http://0xa9fea9fe/", "cloud_metadata", "169.254.169.254"],
    ["http://169.254.43518/", "cloud_metadata", "169.254.169.254"],
    ["http://169.254.169.254./", "cloud_metadata", "169.254.169.254"],
    ["http://%31%36%39.254.169.254/", "cloud_metadata", "169.254.169.254"],
    ["http://[64:ff9b::a9fe:a9fe]/", "cloud_metadata", "64:ff9b::a9fe:a9fe"],
    ["http://[64:ff9b::169.254.169.254]/", "cloud_metadata", "64:ff9b::a9fe:a9fe"],
    ["http://[2002:a9fe:a9fe::]/", "cloud_metadata", "2002:a9fe:a9fe::"],
    ["http://[fd00:ec2::254]/", "cloud_metadata", "fd00:ec2::254"],
    ["http://100.100.100.200/", "cloud_metadata", "100.100.100.200"],
    ["http://127.0.0.1/", "loopback", "127.0.0.1"],
    ["http://127.1/", "loopback", "127.0.0.1"],
    ["http://2130706433/", "loopback", "127.0.0.1"],
    ["http://0177.0.0.1/", "loopback", "127.0.0.1"],
    ["http://0x7f.1/", "loopback", "127.0.0.1"],
    ["http://１２７.０.０.１/", "loopback", "127.0.0.1"],
    ["http://127.255.255.254:8080/", "loopback", "127.255.255.254"],
    ["http://[::1]/", "loopback", "::1"],
    ["http://[0:0:0:0:0:0:0:1]/", "loopback", "::1"],
    ["http://[0:0:0:0:0:ffff:127.0.0.1]/", "loopback", "::ffff:7f00:1"],
    ["http://[::ffff:7f00:1]/", "loopback", "::ffff:7f00:1"],
    ["http://[::127.0.0.1]/", "loopback", "::7f00:1"],
    ["http://0/", "unspecified", "0.0.0.0"],
    ["http://0.0.0.0/", "unspecified", "0.0.0.0"],
    ["http://[::]/", "unspecified", "::"],
    ["http://[fe80::1]/", "link_local", "fe80::1"],
    ["http://169.254.0.1/", "link_local", "169.254.0.1"],
    ["http://[fd00::1]/", "unique_local", "fd00::1"],
    ["http://100.64.0.1/", "cgnat", "100.64.0.1"],
    ["http://10.0.0.1/", "private", "10.0.0.1"],
    ["http://167772161/", "private", "10.0.0.1"],
    ["http://192.168.1.1/", "private", "192.168.1.1"],
    ["http://172.16.0.1/", "private", "172.16.0.1"],
    ["http://[::ffff:192.168.1.1]/", "private", "::ffff:c0a8:101"],
    [
      "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
      "documentation",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    ],
    ["http://192.0.2.1/", "documentation", "192.0.2.1"],
    ["http://198.18.0.1/", "benchmarking", "198.18.0.1"],
    ["http://224.0.0.1/", "multicast", "224.0.0.1"],
    ["http://[ff02::1]/", "multicast", "ff02::1"],
    ["http://255.255.255.255/", "broadcast", "255.255.255.255"],
    ["http://240.0.0.1/", "reserved", "240.0.0.1"],
  ];

  it.each(corpus)("%s is refused as %s", async (url, range, address) => {
    const before = { sockets: watcher.sockets, attempts: watcher.attempts.length };

    // The pure check first: had it let the URL through, the test would stop here, offline.
    const refusal = thrownBy(() => checkUrl(url, strict));
    expect(refusal).toBeInstanceOf(SsrfBlockedError);
    expect(refusal).toMatchObject({ code: "ssrf_blocked", range, address });
    const { message } = refusal as Error;
    expect(message).toMatch(
      /^refusing to connect to \S+ \(\w+.*\) for host \S+; allow it with AUREA_ALLOW_HOSTS$/,
    );
    expect(message).not.toMatch(/secret|token|meta-data|user/);

    await expect(guardedRequest(url, { policy: strict })).rejects.toMatchObject({
      name: "SsrfBlockedError",
      range,
      address,
    });

    // The agent on its own, as `fetch` or another client would use it, refuses before its connector runs.
    const connector = vi.fn((_options: unknown, callback: (error: Error, socket: null) => void) =>
      callback(new Error("the connector ran"), null),
    );
    const { hostname, protocol, port } = new URL(url);
    const connectError = await new Promise((resolve) =>
      guardedConnector(strict, connector)({ hostname, protocol, port }, (...outcome) => resolve(outcome[0])),
    );
    expect(connectError).toBeInstanceOf(SsrfBlockedError);
    expect(connector).not.toHaveBeenCalled();

    expect(watcher.sockets).toBe(before.sockets);
    expect(watcher.attempts.length).toBe(before.attempts);
    corpusCases++;
  });
});

describe("hostile names, resolved by an injected resolver", () => {
  const corpus: [host: string, addresses: string[], range: BlockedRange, address: string][] = [
    ["metadata.test", ["169.254.169.254"], "cloud_metadata", "169.254.169.254"],
    ["metadata6.test", ["fd00:ec2::254"], "cloud_metadata", "fd00:ec2::254"],
    ["mapped.test", ["::ffff:169.254.169.254"], "cloud_metadata", "::ffff:169.254.169.254"],
    ["nat64.test", ["64:ff9b::a9fe:a9fe"], "cloud_metadata", "64:ff9b::a9fe:a9fe"],
    ["rebind.test", ["93.184.216.34", "10.0.0.1"], "private", "10.0.0.1"],
    ["rebind-first.test", ["10.0.0.1", "93.184.216.34"], "private", "10.0.0.1"],
    ["rebind-v6.test", ["93.184.216.34", "2606:2800:220:1::1", "fd00::1"], "unique_local", "fd00::1"],
    ["internal.test", ["192.168.0.10"], "private", "192.168.0.10"],
    ["cgnat.test", ["100.64.1.1"], "cgnat", "100.64.1.1"],
    ["zero.test", ["0.0.0.0"], "unspecified", "0.0.0.0"],
    ["loop6.test", ["::1"], "loopback", "::1"],
    ["linklocal6.test", ["fe80::1"], "link_local", "fe80::1"],
  ];

  it.each(corpus)("%s → %j is refused as %s", async (host, addresses, range, address) => {
    const before = { sockets: watcher.sockets, attempts: watcher.attempts.length };
    const resolver = fakeResolver({ [host]: addresses });

    await expect(resolveGuarded(host, strict, resolver)).rejects.toMatchObject({ range, address, host });
    for (const options of [{ all: true }, { all: false }, {}, { family: 4 }, { family: 6, all: true }]) {
      const error = await new Promise((resolve) =>
        guardedLookup(strict, resolver)(host, options, (lookupError) => resolve(lookupError)),
      );
      expect(error).toBeInstanceOf(SsrfBlockedError);
      expect(error).toMatchObject({ range, address, host });
    }
    expect(resolver.calls).toEqual(Array(6).fill(host));

    expect(watcher.sockets).toBe(before.sockets);
    expect(watcher.attempts.length).toBe(before.attempts);
    corpusCases++;
  });

  it("lets a name whose every address is public through, answering exactly those addresses", async () => {
    const resolver = fakeResolver({ "public.test": ["93.184.216.34", "2606:2800:220:1::1"] });
    const answer = await new Promise<LookupAddress[]>((resolve, reject) =>
      guardedLookup(strict, resolver)("public.test", { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses as LookupAddress[]),
      ),
    );
    expect(answer).toEqual([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:2800:220:1::1", family: 6 },
    ]);
    await expect(resolveGuarded("public.test", strict, resolver)).resolves.toEqual({
      address: "93.184.216.34",
      family: 4,
    });
  });
});

describe("localhost through the system resolver", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await localServer((_request, response) => response.end("reached"));
  });
  afterAll(() => server.close());

  it("is refused as loopback, and the server on 127.0.0.1 is never reached", async () => {
    const before = watcher.attempts.length;
    await expect(resolveGuarded("localhost", strict)).rejects.toMatchObject({
      range: "loopback",
      host: "localhost",
    });
    await expect(
      guardedRequest(`http://localhost:${new URL(server.url).port}/`, { policy: strict }),
    ).rejects.toMatchObject({ name: "SsrfBlockedError", range: "loopback", host: "localhost" });
    expect(server.requests).toBe(0);
    expect(watcher.attempts.length).toBe(before);
    corpusCases++;
  });
});

describe("redirects from an allowlisted server to refused addresses", () => {
  /** What the tests enable: 127.0.0.1 only; 127.0.0.2, where the trap listens, stays refused. */
  const policy = createAddressPolicy({ allow: ["127.0.0.1"] });
  let origin: LocalServer;
  let trap: ConnectionTrap;
  const agents: { destroy(): Promise<void> }[] = [];

  beforeAll(async () => {
    origin = await localServer((request, response) => {
      const target = new URL(request.url ?? "/", "http://x").searchParams.get("to");
      if (target) response.writeHead(302, { location: target }).end();
      else response.end("ok");
    });
    trap = await connectionTrap("127.0.0.2");
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  });
  afterAll(async () => {
    expect(trap.connections).toBe(0);
    await Promise.all([origin.close(), trap.close()]);
  });

  const redirectTo = (target: string) => `${origin.url}/r?to=${encodeURIComponent(target)}`;
  const agentWith = (resolve: Record<string, string[]>) => {
    const agent = createGuardedAgent(policy, { resolver: fakeResolver(resolve) });
    agents.push(agent);
    return agent;
  };

  // PORT is the trap's port; `names` is what the injected resolver answers.
  const corpus: [target: string, range: BlockedRange, address: string, names: Record<string, string[]>][] = [
    ["http://169.254.169.254/latest/meta-data/", "cloud_metadata", "169.254.169.254", {}],
    ["http://[::ffff:169.254.169.254]/", "cloud_metadata", "::ffff:a9fe:a9fe", {}],
    ["http://10.0.0.1/", "private", "10.0.0.1", {}],
    ["http://127.0.0.2:PORT/", "loopback", "127.0.0.2", {}],
    ["http://127.2:PORT/", "loopback", "127.0.0.2", {}],
    ["http://2130706434:PORT/", "loopback", "127.0.0.2", {}],
    ["http://0x7f000002:PORT/", "loopback", "127.0.0.2", {}],
    ["http://0177.0.0.2:PORT/", "loopback", "127.0.0.2", {}],
    ["http://[::ffff:127.0.0.2]:PORT/", "loopback", "::ffff:7f00:2", {}],
    ["http://[0:0:0:0:0:ffff:7f00:2]:PORT/", "loopback", "::ffff:7f00:2", {}],
    ["http://[::127.0.0.2]:PORT/", "loopback", "::7f00:2", {}],
    ["http://[64:ff9b::127.0.0.2]:PORT/", "loopback", "64:ff9b::7f00:2", {}],
    ["http://[2002:7f00:2::]:PORT/", "loopback", "2002:7f00:2::", {}],
    ["http://[::1]:PORT/", "loopback", "::1", {}],
    ["http://0.0.0.0:PORT/", "unspecified", "0.0.0.0", {}],
    ["http://0:PORT/", "unspecified", "0.0.0.0", {}],
    ["http://localhost:PORT/", "loopback", "127.0.0.2", { localhost: ["127.0.0.2"] }],
    ["http://localhost:PORT/", "loopback", "::ffff:127.0.0.2", { localhost: ["::ffff:127.0.0.2"] }],
    // DNS rebinding: one allowed address and one refused; the name is refused as a whole.
    ["http://localhost:PORT/", "loopback", "127.0.0.2", { localhost: ["127.0.0.1", "127.0.0.2"] }],
    ["http://localhost:PORT/", "loopback", "127.0.0.2", { localhost: ["127.0.0.2", "127.0.0.1"] }],
  ];

  it.each(corpus)("a 302 to %s is refused as %s (%s)", async (template, range, address, names) => {
    const target = template.replace("PORT", String(trap.port));
    const host = new URL(target).hostname.replace(/^\[|\]$/g, "");
    // Offline first: the hop is refused by the pure checks.
    if (names[host]) {
      await expect(resolveGuarded(host, policy, fakeResolver(names))).rejects.toBeInstanceOf(
        SsrfBlockedError,
      );
    } else {
      expect(thrownBy(() => checkUrl(target, policy))).toBeInstanceOf(SsrfBlockedError);
    }
    const requestsBefore = origin.requests;
    const attemptsBefore = watcher.attempts.length;

    await expect(
      guardedRequest(redirectTo(target), { policy, dispatcher: agentWith(names) }),
    ).rejects.toMatchObject({ name: "SsrfBlockedError", range, address });

    expect(origin.requests).toBe(requestsBefore + 1);
    expect(watcher.attempts.slice(attemptsBefore)).toEqual([`127.0.0.1:${new URL(origin.url).port}`]);
    expect(trap.connections).toBe(0);
    corpusCases++;
  });

  it.each([
    ["http://127.0.0.2:PORT/", {}],
    ["http://[::ffff:127.0.0.2]:PORT/", {}],
    ["http://localhost:PORT/", { localhost: ["127.0.0.2"] }],
  ])("the guarded agent alone stops fetch's own redirect to %s", async (template, names) => {
    const target = template.replace("PORT", String(trap.port));
    const failure = await fetch(redirectTo(target), { dispatcher: agentWith(names) }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).cause).toBeInstanceOf(SsrfBlockedError);
    expect(trap.connections).toBe(0);
    corpusCases++;
  });

  it("the guarded agent alone refuses a refused literal or name given to undici's request", async () => {
    const url = `http://127.0.0.2:${trap.port}/`;
    await expect(request(url, { dispatcher: agentWith({}) })).rejects.toBeInstanceOf(SsrfBlockedError);
    await expect(
      request(`http://localhost:${trap.port}/`, { dispatcher: agentWith({ localhost: ["127.0.0.2"] }) }),
    ).rejects.toBeInstanceOf(SsrfBlockedError);
    expect(trap.connections).toBe(0);
    corpusCases++;
  });

  it("the trap does count connections once its address is allowed (control)", async () => {
    const control = await connectionTrap("127.0.0.2");
    try {
      const open = createAddressPolicy({ allow: ["127.0.0.1", "127.0.0.2"] });
      await guardedRequest(`http://127.0.0.2:${control.port}/`, { policy: open }).catch(() => undefined);
      expect(control.connections).toBe(1);
    } finally {
      await control.close();
    }
  });

  it("follows a redirect that stays inside the allowlist (control)", async () => {
    const response = await guardedRequest(redirectTo(`${origin.url}/done`), { policy });
    expect(response).toMatchObject({ statusCode: 200, url: `${origin.url}/done`, redirects: 1 });
    expect(response.body.toString()).toBe("ok");
  });
});
