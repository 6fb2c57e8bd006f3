import { describe, expect, it } from "vitest";
import { createAddressPolicy } from "./address-policy.js";

const strict = createAddressPolicy();

describe("the default policy", () => {
  it.each([
    // IPv4, IANA special-purpose registry and neighbours
    ["0.0.0.0", "unspecified"],
    ["0.255.255.255", "unspecified"],
    ["10.0.0.0", "private"],
    ["10.255.255.255", "private"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["100.100.100.200", "cloud_metadata"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.0.1", "link_local"],
    ["169.254.170.2", "link_local"],
    ["169.254.169.254", "cloud_metadata"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.0.0.1", "ietf_protocol"],
    ["192.0.0.170", "ietf_protocol"],
    ["192.0.2.1", "documentation"],
    ["192.88.99.1", "6to4_relay"],
    ["192.168.0.1", "private"],
    ["192.168.255.255", "private"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.9", "documentation"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.254", "reserved"],
    ["255.255.255.255", "broadcast"],
    // IPv6
    ["::", "unspecified"],
    ["0:0:0:0:0:0:0:0", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["fe80::1", "link_local"],
    ["fe80::1%eth0", "link_local"],
    ["febf:ffff::1", "link_local"],
    ["fec0::1", "site_local"],
    ["fc00::1", "unique_local"],
    ["fd00::1", "unique_local"],
    ["FD12:3456:789A::1", "unique_local"],
    ["fd00:ec2::254", "cloud_metadata"],
    ["ff02::1", "multicast"],
    ["ff0e::101", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001:2::1", "benchmarking"],
    ["2001:10::1", "ietf_protocol"],
    ["64:ff9b:1::1", "nat64"],
    ["100::1", "discard"],
    ["5f00::1", "srv6"],
    ["4000::1", "reserved"],
    ["::ffff:0:7f00:1", "reserved"],
  ])("refuses %s as %s", (address, range) => {
    expect(strict.check(address)).toEqual({ allowed: false, range });
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback", "ipv4_mapped", "127.0.0.1"],
    ["::ffff:7f00:1", "loopback", "ipv4_mapped", "127.0.0.1"],
    ["0:0:0:0:0:ffff:127.0.0.1", "loopback", "ipv4_mapped", "127.0.0.1"],
    ["::FFFF:A9FE:A9FE", "cloud_metadata", "ipv4_mapped", "169.254.169.254"],
    ["::ffff:10.1.2.3", "private", "ipv4_mapped", "10.1.2.3"],
    ["::ffff:0.0.0.0", "unspecified", "ipv4_mapped", "0.0.0.0"],
    ["::127.0.0.1", "loopback", "ipv4_compatible", "127.0.0.1"],
    ["::a9fe:a9fe", "cloud_metadata", "ipv4_compatible", "169.254.169.254"],
    ["::2", "unspecified", "ipv4_compatible", "0.0.0.2"],
    ["64:ff9b::a9fe:a9fe", "cloud_metadata", "nat64", "169.254.169.254"],
    ["64:ff9b::192.168.0.1", "private", "nat64", "192.168.0.1"],
    ["2002:a9fe:a9fe::", "cloud_metadata", "6to4", "169.254.169.254"],
    ["2002:7f00:1::1", "loopback", "6to4", "127.0.0.1"],
    ["2002:6440:1:5::1", "cgnat", "6to4", "100.64.0.1"],
    // Teredo: server 65.54.227.120, client 192.0.2.45 stored inverted (RFC 4380's example).
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "documentation", "teredo", "192.0.2.45"],
    // Teredo whose server is private.
    ["2001:0:a00:1::f7f7:f7f7", "private", "teredo", "10.0.0.1"],
  ])("judges %s by the IPv4 address it carries (%s)", (address, range, via, embedded) => {
    expect(strict.check(address)).toEqual({ allowed: false, range, embedded: { via, address: embedded } });
  });

  it.each([
    "1.1.1.1",
    "8.8.8.8",
    "93.184.216.34",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "126.255.255.255",
    "128.0.0.0",
    "169.253.255.255",
    "169.255.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.255",
    "192.0.3.0",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:80b::200e",
    "2001:db9::1",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
  ])("allows the globally routable %s", (address) => {
    expect(strict.check(address)).toEqual({ allowed: true });
  });

  it.each([
    "localhost",
    "",
    "127.1",
    "0x7f.0.0.1",
    "2130706433",
    "0177.0.0.1",
    "1.2.3.4/32",
    "[::1]",
    "::1::1",
  ])("refuses %j, which is not an address in canonical notation", (text) => {
    expect(strict.check(text)).toEqual({ allowed: false, range: "invalid" });
  });
});

describe("the allowlist", () => {
  it("lets a single IPv4 address through, in its IPv4-mapped and other embedded forms too", () => {
    const policy = createAddressPolicy({ allow: ["127.0.0.1"] });
    expect(policy.check("127.0.0.1")).toEqual({ allowed: true });
    expect(policy.check("::ffff:127.0.0.1")).toEqual({ allowed: true });
    expect(policy.check("::ffff:7f00:1")).toEqual({ allowed: true });
    expect(policy.check("64:ff9b::7f00:1")).toEqual({ allowed: true });
    expect(policy.check("127.0.0.2")).toEqual({ allowed: false, range: "loopback" });
    expect(policy.check("::ffff:127.0.0.2")).toMatchObject({ allowed: false, range: "loopback" });
    expect(policy.check("::1")).toEqual({ allowed: false, range: "loopback" });
  });

  it.each([
    ["10.0.0.0/8", "10.200.3.4", "172.16.0.1"],
    ["10.1.0.0/16", "10.1.255.255", "10.2.0.0"],
    ["192.168.1.0/24", "::ffff:192.168.1.77", "192.168.2.1"],
    ["169.254.169.254/32", "169.254.169.254", "169.254.169.253"],
    ["100.64.0.0/10", "100.127.0.1", "10.0.0.1"],
    ["::1", "::1", "::2"],
    ["::1/128", "::1", "127.0.0.1"],
    ["fd00::/8", "fd12::1", "fc00::1"],
    ["fe80::/10", "fe80::1%eth0", "fd00::1"],
    ["::ffff:10.0.0.0/104", "10.9.9.9", "192.168.0.1"],
    ["::ffff:10.0.0.0/104", "::ffff:10.9.9.9", "::ffff:192.168.0.1"],
    // Host bits below the prefix are ignored, as in most CIDR parsers.
    ["10.1.2.3/8", "10.9.9.9", "172.16.0.1"],
    [" 10.0.0.0/8 ", "10.0.0.1", "192.168.0.1"],
  ])("%s allows %s and still refuses %s", (entry, inside, outside) => {
    const policy = createAddressPolicy({ allow: [entry] });
    expect(policy.check(inside)).toEqual({ allowed: true });
    expect(policy.check(outside).allowed).toBe(false);
  });

  it("does not extend an IPv6 entry to IPv4 addresses, or the reverse", () => {
    expect(createAddressPolicy({ allow: ["::/0"] }).check("10.0.0.1").allowed).toBe(false);
    expect(createAddressPolicy({ allow: ["0.0.0.0/0"] }).check("fd00::1").allowed).toBe(false);
  });

  it.each([
    "localhost",
    "example.com",
    "",
    "10.0.0.0/33",
    "::1/129",
    "10.0.0.0/-1",
    "10.0.0.0/",
    "10.0.0.0/8/8",
    "10.0.0.0/08x",
    "127.1",
    "0x7f000001",
    "2130706433",
    "256.0.0.1",
    "fe80::1%eth0",
    "[::1]",
    "::1::1",
    "http://127.0.0.1/",
  ])("refuses the allow entry %j with a TypeError naming it", (entry) => {
    const create = () => createAddressPolicy({ allow: ["127.0.0.1", entry] });
    expect(create).toThrow(TypeError);
    expect(create).toThrow(`invalid allow entry ${JSON.stringify(entry)}`);
  });
});
