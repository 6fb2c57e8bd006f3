import type { LookupAddress, LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { createAddressPolicy } from "./address-policy.js";
import {
  checkUrl,
  guardedLookup,
  InvalidUrlError,
  type Resolver,
  resolveGuarded,
  SsrfBlockedError,
} from "./guard.js";

const strict = createAddressPolicy();

/** Answers from a table; a name it does not know is an error (so nothing real is resolved). */
const tableResolver =
  (table: Record<string, string[]>): Resolver =>
  (hostname, _options, callback) => {
    const addresses = table[hostname];
    if (addresses === undefined) callback(new Error(`unexpected lookup of ${hostname}`), []);
    else
      callback(
        null,
        addresses.map((address) => ({ address, family: isIP(address) })),
      );
  };

const lookupWith = (resolver: Resolver, hostname: string, options: LookupOptions) =>
  new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>(
    (resolve) =>
      guardedLookup(strict, resolver)(hostname, options, (error, address, family) =>
        resolve(family === undefined ? { error, address } : { error, address, family }),
      ),
  );

describe("checkUrl", () => {
  it.each([
    "http://example.com/a?b=c",
    "https://93.184.216.34:8443/",
    "http://[2606:4700:4700::1111]/",
    "HTTP://Example.COM",
  ])("accepts %s and returns it parsed, without resolving names", (url) => {
    expect(checkUrl(url, strict).href).toBe(new URL(url).href);
  });

  it("accepts a URL object", () => {
    expect(checkUrl(new URL("https://example.com/x"), strict).href).toBe("https://example.com/x");
  });

  it.each([
    ["file:///etc/passwd", "file:"],
    ["ftp://example.com/", "ftp:"],
    ["gopher://127.0.0.1:6379/_INFO", "gopher:"],
    ["javascript:alert(1)", "javascript:"],
    ["data:text/plain,hi", "data:"],
    ["ws://example.com/", "ws:"],
  ])("refuses the scheme of %s", (url, scheme) => {
    expect(() => checkUrl(url, strict)).toThrow(InvalidUrlError);
    expect(() => checkUrl(url, strict)).toThrow(`only http and https URLs can be called, not ${scheme}`);
  });

  it.each(["", "not a url", "http://", "http://[::1/", "http://user:secret@exa mple.com/"])(
    "refuses %j as not a URL, without echoing it",
    (url) => {
      expect(() => checkUrl(url, strict)).toThrow(new InvalidUrlError("not a valid URL"));
    },
  );

  it("reports a refused literal with its address, range and host, and says how to allow it", () => {
    let error: unknown;
    try {
      checkUrl("http://admin:hunter2@[::ffff:a9fe:a9fe]:8080/latest/meta-data/?token=abc", strict);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({
      code: "ssrf_blocked",
      address: "::ffff:a9fe:a9fe",
      host: "::ffff:a9fe:a9fe",
      range: "cloud_metadata",
      embedded: { via: "ipv4_mapped", address: "169.254.169.254" },
      message:
        "refusing to connect to ::ffff:a9fe:a9fe (cloud_metadata, ipv4_mapped form of 169.254.169.254) for host ::ffff:a9fe:a9fe; allow it with AUREA_ALLOW_HOSTS",
    });
  });

  it("lets an allowlisted literal through", () => {
    const policy = createAddressPolicy({ allow: ["127.0.0.1"] });
    expect(checkUrl("http://127.1:8080/", policy).hostname).toBe("127.0.0.1");
    expect(() => checkUrl("http://127.2:8080/", policy)).toThrow(SsrfBlockedError);
  });
});

describe("guardedLookup", () => {
  const resolver = tableResolver({
    "dual.test": ["93.184.216.34", "2606:2800:220:1::1"],
    "v6only.test": ["2606:2800:220:1::1"],
    "empty.test": [],
    "metadata.test": ["169.254.169.254"],
  });

  it("answers one address, or all of them, as net.connect asks", async () => {
    expect(await lookupWith(resolver, "dual.test", {})).toEqual({
      error: null,
      address: "93.184.216.34",
      family: 4,
    });
    expect(await lookupWith(resolver, "dual.test", { all: true })).toEqual({
      error: null,
      address: [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:2800:220:1::1", family: 6 },
      ],
    });
  });

  it("answers only the family asked for, after checking every family", async () => {
    expect(await lookupWith(resolver, "dual.test", { family: 6 })).toEqual({
      error: null,
      address: "2606:2800:220:1::1",
      family: 6,
    });
    expect(await lookupWith(resolver, "dual.test", { family: "IPv4", all: true })).toEqual({
      error: null,
      address: [{ address: "93.184.216.34", family: 4 }],
    });
    const none = await lookupWith(resolver, "v6only.test", { family: 4 });
    expect(none.error).toMatchObject({ code: "ENOTFOUND", hostname: "v6only.test" });
  });

  it("fails as ENOTFOUND when the name has no address, and passes resolver errors on", async () => {
    expect((await lookupWith(resolver, "empty.test", { all: true })).error).toMatchObject({
      code: "ENOTFOUND",
    });
    expect((await lookupWith(resolver, "unknown.test", {})).error?.message).toBe(
      "unexpected lookup of unknown.test",
    );
  });

  it("checks IP literals itself, without the resolver", async () => {
    expect(await lookupWith(resolver, "93.184.216.34", {})).toEqual({
      error: null,
      address: "93.184.216.34",
      family: 4,
    });
    const refused = await lookupWith(resolver, "10.1.2.3", { all: true });
    expect(refused.error).toBeInstanceOf(SsrfBlockedError);
    expect(refused.error).toMatchObject({ address: "10.1.2.3", range: "private", host: "10.1.2.3" });
  });

  it("names the host and the address in a refusal", async () => {
    const { error } = await lookupWith(resolver, "metadata.test", {});
    expect(error?.message).toBe(
      "refusing to connect to 169.254.169.254 (cloud_metadata) for host metadata.test; allow it with AUREA_ALLOW_HOSTS",
    );
  });
});

describe("resolveGuarded", () => {
  it("returns the first checked address of a name", async () => {
    const resolver = tableResolver({ "dual.test": ["2606:2800:220:1::1", "93.184.216.34"] });
    await expect(resolveGuarded("dual.test", strict, resolver)).resolves.toEqual({
      address: "2606:2800:220:1::1",
      family: 6,
    });
  });

  it("takes IP literals, bracketed or not, and checks them", async () => {
    const policy = createAddressPolicy({ allow: ["::1"] });
    const noResolver = tableResolver({});
    await expect(resolveGuarded("[::1]", policy, noResolver)).resolves.toEqual({ address: "::1", family: 6 });
    await expect(resolveGuarded("::1", strict, noResolver)).rejects.toMatchObject({ range: "loopback" });
    await expect(resolveGuarded("127.0.0.1", policy, noResolver)).rejects.toBeInstanceOf(SsrfBlockedError);
  });
});
