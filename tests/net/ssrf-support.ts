import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer as createTcpServer, isIP, type Socket } from "node:net";
import type { Resolver } from "../../src/net/ssrf/index.js";

/**
 * Records the TCP connections this process attempts (`net.connect`, which undici uses for
 * http:), whatever their target, as `address:port`. A name's socket exists before its lookup,
 * so sockets are counted apart from attempts: a refused IP literal creates neither.
 */
export function watchConnections() {
  let sockets = 0;
  const attempts: string[] = [];
  const onSocket = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    sockets++;
    socket.on("connectionAttempt", (address: string, port: number) => attempts.push(`${address}:${port}`));
  };
  subscribe("net.client.socket", onSocket);
  return {
    get sockets() {
      return sockets;
    },
    attempts,
    stop: () => unsubscribe("net.client.socket", onSocket),
  };
}

export interface ConnectionTrap {
  host: string;
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A listener on an address the tests refuse (127.0.0.2 by default) that counts who got through. */
export async function connectionTrap(host = "127.0.0.2"): Promise<ConnectionTrap> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    host,
    port: address.port,
    get connections() {
      return connections;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A resolver answering from a table, so that no test resolves a real name. Names it does not
 * know fail as getaddrinfo would.
 */
export function fakeResolver(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver: Resolver = (hostname, _options, callback) => {
    calls.push(hostname);
    const addresses = table[hostname];
    setImmediate(() => {
      if (addresses === undefined) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
      } else {
        callback(
          null,
          addresses.map((address) => ({ address, family: isIP(address) })),
        );
      }
    });
  };
  return Object.assign(resolver, { calls });
}

/** Whether this machine can listen on ::1. */
export async function hasIPv6Loopback(): Promise<boolean> {
  const server = createTcpServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(0, "::1", () => server.close(() => resolve(true)));
  });
}
