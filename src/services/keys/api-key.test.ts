import { describe, expect, it } from "vitest";
import { allows, generateKey, hashKey, keyPrefix, matchesHash } from "./api-key.js";

describe("API keys", () => {
  it("are aurea_<8-character prefix>_<43-character secret>, stored as the SHA-256 of the whole key", () => {
    const { key, prefix, hash } = generateKey();
    expect(key).toMatch(/^aurea_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(keyPrefix(key)).toBe(prefix);
    expect(hash).toBe(hashKey(key));
    expect(hash).not.toContain(key.slice(15));
    expect(matchesHash(key, hash)).toBe(true);
    expect(matchesHash(`${key.slice(0, -1)}x`, hash)).toBe(false);
  });

  it("are different every time", () => {
    expect(generateKey().key).not.toBe(generateKey().key);
  });

  it.each(["", "aurea_", "aurea_short_x", "Bearer aurea_12345678_x", `aurea_1234567!_${"a".repeat(43)}`])(
    "refuse the malformed key %j",
    (key) => {
      expect(keyPrefix(key)).toBeUndefined();
    },
  );

  it.each([
    ["read", "read", true],
    ["read", "write", false],
    ["write", "read", true],
    ["write", "admin", false],
    ["admin", "write", true],
  ] as const)("a %s key may do what %s allows: %s", (held, needed, ok) => {
    expect(allows(held, needed)).toBe(ok);
  });
});
