import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, request } from "undici";
import type { AddressPolicy } from "./address-policy.js";
import { checkUrl, InvalidUrlError } from "./guard.js";
import { createGuardedAgent, isGuardedBy } from "./guarded-agent.js";

export interface GuardedRequestOptions {
  policy: AddressPolicy;
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string>;
  /** A string or bytes, so that a 307/308 redirect can send it again. */
  body?: string | Uint8Array;
  /** For the whole exchange, redirects and body included. Default 30 s. */
  timeoutMs?: number;
  /** Redirects followed before giving up with `TooManyRedirectsError`. Default 5. */
  maxRedirects?: number;
  /** The response body is cut at this many bytes (`truncated: true`). Default 1 MiB. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
  /**
   * A dispatcher from `createGuardedAgent(policy)` with the same `policy`, to reuse connections
   * across calls. By default each call has its own, closed when it returns.
   */
  dispatcher?: Dispatcher;
}

export interface GuardedResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than `maxBodyBytes` and was cut there. */
  truncated: boolean;
  /** The URL that answered, after redirects. */
  url: string;
  redirects: number;
}

export class TooManyRedirectsError extends Error {
  override readonly name = "TooManyRedirectsError";
  readonly code = "too_many_redirects";
  constructor(readonly maxRedirects: number) {
    super(`more than ${maxRedirects} redirects`);
  }
}

export class RequestTimeoutError extends Error {
  override readonly name = "RequestTimeoutError";
  readonly code = "request_timeout";
  constructor(
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`no complete response within ${timeoutMs} ms`, options);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Credentials meant for the origin the user named, not for wherever it redirects. */
const ORIGIN_BOUND_HEADERS = ["authorization", "proxy-authorization", "cookie", "x-api-key", "host"];
/** Describe a body; dropped with it when a redirect turns the request into a GET (as fetch does). */
const BODY_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-location",
];

/**
 * Calls a user-supplied URL with SSRF protection: every hop's URL is checked (`checkUrl`), and
 * every connection is opened by a guarded agent, which checks each resolved address. Redirects
 * are followed here rather than by undici so that each hop is checked and credentials are not
 * carried to another origin.
 */
export async function guardedRequest(
  url: string | URL,
  options: GuardedRequestOptions,
): Promise<GuardedResponse> {
  const { policy, timeoutMs = 30_000, maxRedirects = 5, maxBodyBytes = 1024 * 1024 } = options;
  if (options.dispatcher !== undefined && !isGuardedBy(options.dispatcher, policy)) {
    throw new TypeError("dispatcher must come from createGuardedAgent() with the same policy");
  }
  let current = checkUrl(url, policy);
  const dispatcher = options.dispatcher ?? createGuardedAgent(policy);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let method = (options.method ?? "GET").toUpperCase();
  let body = options.body;
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );

  try {
    for (let redirects = 0; ; redirects++) {
      const response = await request(current, { dispatcher, method, headers, body: body ?? null, signal });
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode) || typeof location !== "string") {
        const read = await readCapped(response.body, maxBodyBytes);
        return {
          statusCode: response.statusCode,
          headers: response.headers,
          ...read,
          url: current.href,
          redirects,
        };
      }
      await response.body.dump();
      if (redirects >= maxRedirects) throw new TooManyRedirectsError(maxRedirects);

      const next = checkUrl(resolveLocation(location, current), policy);
      if (becomesGet(response.statusCode, method)) {
        method = "GET";
        body = undefined;
        for (const name of BODY_HEADERS) delete headers[name];
      }
      if (next.origin !== current.origin) for (const name of ORIGIN_BOUND_HEADERS) delete headers[name];
      current = next;
    }
  } catch (error) {
    if (timeout.aborted && !options.signal?.aborted)
      throw new RequestTimeoutError(timeoutMs, { cause: error });
    throw error;
  } finally {
    if (options.dispatcher === undefined) await dispatcher.destroy();
  }
}

/** As browsers do: 303 turns anything but GET and HEAD into a GET; 301 and 302 turn a POST into one. */
function becomesGet(status: number, method: string): boolean {
  if (status === 303) return method !== "GET" && method !== "HEAD";
  return (status === 301 || status === 302) && method === "POST";
}

function resolveLocation(location: string, base: URL): URL {
  try {
    return new URL(location, base);
  } catch {
    throw new InvalidUrlError("redirect Location is not a valid URL");
  }
}

async function readCapped(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - size));
      // Leaving the loop destroys the stream and with it the connection: the rest is not read.
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}
