import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBox } from "./secret-box.js";

describe("sealed secrets", () => {
  const box = new SecretBox(randomBytes(32));

  it("open to what was sealed, and the sealed text does not contain it", () => {
    const sealed = box.seal("sk-live-1234567890", "tinyfish");
    expect(sealed).not.toContain("sk-live");
    expect(box.open(sealed, "tinyfish")).toBe("sk-live-1234567890");
  });

  it("differ each time the same value is sealed", () => {
    expect(box.seal("same", "n")).not.toBe(box.seal("same", "n"));
  });

  it("refuse to open under another name or another key, or when tampered with", () => {
    const sealed = box.seal("value", "a");
    expect(() => box.open(sealed, "b")).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, "a")).toThrow();
    const parts = sealed.split(".");
    parts[3] = Buffer.from("forged").toString("base64url");
    expect(() => box.open(parts.join("."), "a")).toThrow();
  });

  it("need a 32-byte key", () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
