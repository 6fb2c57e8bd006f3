import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { SCOPES, type Scope } from "../../contracts/key-scopes.js";

export type { Scope };

/** Whether a key holding `held` may do what `needed` allows. */
export function allows(held: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(held) >= SCOPES.indexOf(needed);
}

/**
 * `aurea_<prefix>_<secret>`: the prefix (8 characters) is stored in clear, shown in lists and
 * logs, and finds the key; the secret (32 random bytes) is never stored, only the SHA-256 of the
 * whole key (a random 256-bit token needs no slow hash: nothing can guess it).
 */
const KEY = /^aurea_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface NewKey {
  /** The whole key: shown once, at creation. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateKey(random: (size: number) => Buffer = randomBytes): NewKey {
  const prefix = [...random(8)].map((byte) => ALPHABET[byte % ALPHABET.length]).join("");
  const key = `aurea_${prefix}_${random(32).toString("base64url")}`;
  return { key, prefix, hash: hashKey(key) };
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The prefix of a well-formed key, or undefined. */
export function keyPrefix(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

/** Constant-time comparison of a presented key with a stored hash. */
export function matchesHash(key: string, hash: string): boolean {
  const presented = Buffer.from(hashKey(key), "hex");
  const stored = Buffer.from(hash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
