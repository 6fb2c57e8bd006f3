import { isIP } from "node:net";
import { Agent, buildConnector, type Dispatcher } from "undici";
import type { AddressPolicy } from "./address-policy.js";
import { guardedLookup, type Resolver, SsrfBlockedError } from "./guard.js";

/** Socket and TLS settings for each connection. Where to connect is the guard's business only. */
export interface GuardedConnectOptions {
  /** Connect timeout in milliseconds (undici's default: 10 s). */
  timeout?: number;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  rejectUnauthorized?: boolean;
  ca?: string | Buffer | (string | Buffer)[];
}

export interface GuardedAgentOptions
  extends Omit<Agent.Options, "connect" | "factory" | "socketPath" | "interceptors"> {
  connect?: GuardedConnectOptions;
  /** Resolves names; `dns.lookup` by default. */
  resolver?: Resolver;
}

/** Dispatchers made here, with the policy each enforces, so callers can tell them from others. */
const guarded = new WeakMap<Dispatcher, AddressPolicy>();

/**
 * An undici `Agent` that checks every connection it opens against `policy`: names through
 * `guardedLookup`, IP literals (which `net.connect` does not look up) before the socket is
 * created. Safe to hand to undici's `request` or `fetch` — redirects they follow go through
 * the same checks.
 */
export function createGuardedAgent(policy: AddressPolicy, options: GuardedAgentOptions = {}): Agent {
  // `factory`, `socketPath` and `interceptors` could route around the connector: JavaScript callers
  // are not stopped by the type, so they are dropped here too.
  const {
    connect = {},
    resolver,
    factory: _factory,
    socketPath: _socketPath,
    interceptors: _interceptors,
    ...agentOptions
  } = options as GuardedAgentOptions & Pick<Agent.Options, "factory" | "socketPath" | "interceptors">;
  const { timeout, keepAlive, keepAliveInitialDelay, rejectUnauthorized, ca } = connect;
  const base = buildConnector({
    ...definedOnly({ timeout, keepAlive, keepAliveInitialDelay, rejectUnauthorized, ca }),
    lookup: guardedLookup(policy, resolver),
  });
  const agent = new Agent({ ...agentOptions, connect: guardedConnector(policy, base) });
  guarded.set(agent, policy);
  return agent;
}

/** Whether `dispatcher` came from `createGuardedAgent` with this very policy. */
export function isGuardedBy(dispatcher: Dispatcher, policy: AddressPolicy): boolean {
  return guarded.get(dispatcher) === policy;
}

/**
 * Wraps an undici connector so that IP-literal hosts are checked before it runs; names are left
 * to the connector's own `lookup`, which must be `guardedLookup`.
 */
export function guardedConnector(
  policy: AddressPolicy,
  connect: buildConnector.connector,
): buildConnector.connector {
  return (options, callback) => {
    const host = options.hostname.replace(/^\[(.*)\]$/, "$1");
    if (isIP(host)) {
      const verdict = policy.check(host);
      if (!verdict.allowed) {
        // Asynchronously, as a refused socket would report it.
        const error = new SsrfBlockedError(host, host, verdict);
        process.nextTick(() => callback(error, null));
        return;
      }
    }
    connect(options, callback);
  };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
