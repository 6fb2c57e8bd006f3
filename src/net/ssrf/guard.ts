import { type LookupAddress, type LookupAllOptions, type LookupOptions, lookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type { AddressPolicy, AddressVerdict, BlockedRange, Embedding } from "./address-policy.js";

/** The setting that extends the policy's allowlist; named in refusals so users know the way out. */
const ALLOW_SETTING = "AUREA_ALLOW_HOSTS";

/** A connection to an address the policy refuses. The message never holds a full URL. */
export class SsrfBlockedError extends Error {
  override readonly name = "SsrfBlockedError";
  readonly code = "ssrf_blocked";
  readonly host: string;
  readonly address: string;
  readonly range: BlockedRange;
  readonly embedded: { via: Embedding; address: string } | undefined;

  constructor(host: string, address: string, verdict: Extract<AddressVerdict, { allowed: false }>) {
    const via = verdict.embedded ? `, ${verdict.embedded.via} form of ${verdict.embedded.address}` : "";
    super(
      `refusing to connect to ${address} (${verdict.range}${via}) for host ${host}; allow it with ${ALLOW_SETTING}`,
    );
    this.host = host;
    this.address = address;
    this.range = verdict.range;
    this.embedded = verdict.embedded;
  }
}

/** A URL the server will not call at all: unparsable, or not http(s). */
export class InvalidUrlError extends Error {
  override readonly name = "InvalidUrlError";
  readonly code = "invalid_url";
}

/** `dns.lookup` in its `{ all: true }` form; inject one in tests instead of resolving real names. */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Throws `SsrfBlockedError` unless the policy allows `address`. */
function assertAllowed(policy: AddressPolicy, host: string, address: string): void {
  const verdict = policy.check(address);
  if (!verdict.allowed) throw new SsrfBlockedError(host, address, verdict);
}

const unbracket = (host: string) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);

/**
 * Parses `url` (WHATWG rules, which turn `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` into
 * `127.0.0.1`), refuses schemes other than http and https, and checks the host when it is an
 * IP literal: `net.connect` does not call `lookup` for those, so `guardedLookup` never sees them.
 * Names are checked when they are resolved.
 */
export function checkUrl(url: string | URL, policy: AddressPolicy): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidUrlError("not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new InvalidUrlError(`only http and https URLs can be called, not ${parsed.protocol}`);
  }
  const host = unbracket(parsed.hostname);
  if (isIP(host)) assertAllowed(policy, host, host);
  return parsed;
}

/**
 * A `lookup` for `net.connect` / `tls.connect` (and undici's `connect` options) that resolves
 * every address of the name and refuses the name if any of them is refused, so a name that
 * mixes a public and a private address (DNS rebinding) cannot slip through. It answers with
 * exactly the addresses it checked: the socket connects to what was checked, not to the
 * result of a second resolution.
 */
export function guardedLookup(policy: AddressPolicy, resolver: Resolver = lookup): LookupFunction {
  return (hostname, options, callback) => {
    const answer = (addresses: LookupAddress[]) => {
      const family = wantedFamily(options.family);
      const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
      const first = usable[0];
      if (first === undefined) return callback(notFound(hostname), options.all ? [] : "");
      if (options.all) return callback(null, usable);
      return callback(null, first.address, first.family);
    };
    const fail = (error: NodeJS.ErrnoException) => callback(error, options.all ? [] : "");

    const literal = isIP(hostname);
    if (literal) {
      const verdict = policy.check(hostname);
      if (!verdict.allowed) return fail(new SsrfBlockedError(hostname, hostname, verdict));
      return answer([{ address: hostname, family: literal }]);
    }
    // Every family, whatever the caller asked for: the refusal is about the name.
    const { family: _family, all: _all, ...rest } = options;
    resolver(hostname, { ...rest, all: true }, (error, addresses) => {
      if (error) return fail(error);
      for (const { address } of addresses) {
        const verdict = policy.check(address);
        if (!verdict.allowed) return fail(new SsrfBlockedError(hostname, address, verdict));
      }
      return answer(addresses);
    });
  };
}

/**
 * Resolves `hostname` (a name or an IP literal, brackets allowed) to one checked address, for
 * clients that connect to an address themselves. Call it once per connection.
 */
export function resolveGuarded(
  hostname: string,
  policy: AddressPolicy,
  resolver: Resolver = lookup,
): Promise<LookupAddress> {
  const guarded = guardedLookup(policy, resolver);
  return new Promise((resolve, reject) => {
    guarded(unbracket(hostname), { all: true }, (error, addresses) => {
      const first = Array.isArray(addresses) ? addresses[0] : undefined;
      if (error) reject(error);
      else if (first === undefined) reject(notFound(hostname));
      else resolve(first);
    });
  });
}

function wantedFamily(family: LookupOptions["family"]): 0 | 4 | 6 {
  if (family === 4 || family === "IPv4") return 4;
  if (family === 6 || family === "IPv6") return 6;
  return 0;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: "ENOTFOUND",
    syscall: "getaddrinfo",
    hostname,
  });
}
