import type { Scope } from "../../contracts/key-scopes.js";
import type { ApiKeyRow, ApiKeysRepo } from "../../store/api-keys-repo.js";
import { generateKey, hashKey, keyPrefix, matchesHash } from "./api-key.js";

/** Who a request acts as: a key, or anyone (a server without keys, on a loopback address). */
export interface Principal {
  /** Null: no key (authentication is off). */
  keyId: number | null;
  prefix: string | null;
  name: string;
  scope: Scope;
  maxConcurrentRuns: number | null;
  maxJobsPerRun: number | null;
}

export const ANONYMOUS: Principal = Object.freeze({
  keyId: null,
  prefix: null,
  name: "anonymous",
  scope: "admin",
  maxConcurrentRuns: null,
  maxJobsPerRun: null,
});

export type Authentication =
  | { principal: Principal }
  | { problem: "malformed" | "unknown" | "revoked" | "expired" };

export interface KeyServiceOptions {
  repo: ApiKeysRepo;
  now?: () => Date;
  /**
   * How long a verified key, and whether any key exists, are remembered. A key revoked through
   * another process stops working within this; one revoked through this process at once.
   */
  cacheMs?: number;
}

export interface CreateKey {
  name: string;
  scope: Scope;
  expiresAt?: Date | null;
  maxConcurrentRuns?: number | null;
  maxJobsPerRun?: number | null;
}

/** API keys: created (the key shown once), listed, revoked, and checked on every request. */
export class KeyService {
  readonly #repo: ApiKeysRepo;
  readonly #now: () => Date;
  readonly #cacheMs: number;
  readonly #verified = new Map<string, { principal: Principal; until: number; expiresAt: number }>();
  readonly #looking = new Map<string, Promise<Authentication>>();
  #required: { value: boolean; until: number } | undefined;
  readonly #used = new Set<number>();

  constructor({ repo, now = () => new Date(), cacheMs = 5000 }: KeyServiceOptions) {
    this.#repo = repo;
    this.#now = now;
    this.#cacheMs = cacheMs;
  }

  async create(input: CreateKey): Promise<{ key: string; row: ApiKeyRow }> {
    const generated = generateKey();
    const row = await this.#repo.create({
      name: input.name,
      prefix: generated.prefix,
      hash: generated.hash,
      scope: input.scope,
      expiresAt: input.expiresAt ?? null,
      maxConcurrentRuns: input.maxConcurrentRuns ?? null,
      maxJobsPerRun: input.maxJobsPerRun ?? null,
    });
    this.#required = undefined;
    return { key: generated.key, row };
  }

  list(): Promise<ApiKeyRow[]> {
    return this.#repo.list();
  }

  async revoke(idOrPrefix: number | string): Promise<ApiKeyRow | undefined> {
    const row = await this.#repo.revoke(idOrPrefix, this.#now());
    this.#verified.clear();
    this.#required = undefined;
    return row;
  }

  /** Whether requests need a key: at least one key can authenticate. */
  async required(): Promise<boolean> {
    const now = this.#now().getTime();
    if (this.#required && this.#required.until > now) return this.#required.value;
    const value = (await this.#repo.countUsable(this.#now())) > 0;
    this.#required = { value, until: now + this.#cacheMs };
    return value;
  }

  async authenticate(presented: string): Promise<Authentication> {
    const prefix = keyPrefix(presented);
    if (!prefix) return { problem: "malformed" };
    const now = this.#now();
    const hash = hashKey(presented);
    const known = this.#verified.get(hash);
    if (known && known.until > now.getTime() && known.expiresAt > now.getTime()) {
      this.#used.add(known.principal.keyId!);
      return { principal: known.principal };
    }
    // Requests that arrive together with a key not (or no longer) cached share one lookup.
    const pending = this.#looking.get(hash);
    if (pending) return pending;
    const lookup = this.#lookUp(presented, prefix, hash, now).finally(() => this.#looking.delete(hash));
    this.#looking.set(hash, lookup);
    return lookup;
  }

  async #lookUp(presented: string, prefix: string, hash: string, now: Date): Promise<Authentication> {
    const row = await this.#repo.byPrefix(prefix);
    if (!row || !matchesHash(presented, row.hash)) return { problem: "unknown" };
    if (row.revokedAt) return { problem: "revoked" };
    if (row.expiresAt && row.expiresAt <= now) return { problem: "expired" };
    const principal: Principal = {
      keyId: row.id,
      prefix: row.prefix,
      name: row.name,
      scope: row.scope,
      maxConcurrentRuns: row.maxConcurrentRuns,
      maxJobsPerRun: row.maxJobsPerRun,
    };
    this.#verified.set(hash, {
      principal,
      until: now.getTime() + this.#cacheMs,
      expiresAt: row.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
    });
    this.#used.add(row.id);
    return { principal };
  }

  /** Writes when keys were last used (batched: called on a timer, not per request). */
  async flushUsage(): Promise<void> {
    if (this.#used.size === 0) return;
    const ids = [...this.#used];
    this.#used.clear();
    await this.#repo.touch(ids, this.#now());
  }
}
