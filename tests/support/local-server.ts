import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalServer {
  url: string;
  server: Server;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with an ephemeral port, for tests that need a target. */
export async function localServer(
  handler: (request: IncomingMessage, response: ServerResponse, n: number) => void,
): Promise<LocalServer> {
  let requests = 0;
  const server = createServer((request, response) => handler(request, response, ++requests));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens. */
export async function closedPort(): Promise<number> {
  const s = await localServer(() => {});
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}
