import { contains, type IpAddress, type IpNetwork, parseNetwork } from "./ip-address.js";

/** The short name of a range that is refused by default. */
export type BlockedRange =
  | "unspecified"
  | "loopback"
  | "private"
  | "link_local"
  | "cloud_metadata"
  | "cgnat"
  | "ietf_protocol"
  | "documentation"
  | "benchmarking"
  | "6to4_relay"
  | "multicast"
  | "reserved"
  | "broadcast"
  | "nat64"
  | "discard"
  | "srv6"
  | "unique_local"
  | "site_local"
  | "invalid";

/** IPv6 forms that carry an IPv4 address, and are judged by it. */
export type Embedding = "ipv4_mapped" | "ipv4_compatible" | "nat64" | "6to4" | "teredo";

export type RangeRule =
  | { kind: "blocked"; range: BlockedRange }
  | { kind: "global" }
  | { kind: "embedded"; via: Embedding; extract: (value: bigint) => bigint[] };

const LOW_32 = 0xffffffffn;
const low32 = (value: bigint) => [value & LOW_32];

/**
 * The IANA special-purpose registries (IPv4 and IPv6), plus multicast and the unallocated
 * IPv6 space. The longest matching prefix decides, so a specific entry overrides the wider one
 * it sits in (169.254.169.254 inside link-local; ::1 inside IPv4-compatible ::/96).
 *
 * Deliberately wider than IANA in two places: all of 192.0.0.0/24 and 2001::/23 are refused
 * although a few anycast addresses inside are global (PCP, TURN, AMT, AS112): an HTTP client
 * has no business calling them, and a short table is easier to audit.
 */
const RULES: [cidr: string, rule: RangeRule][] = [
  ["0.0.0.0/8", blocked("unspecified")],
  ["10.0.0.0/8", blocked("private")],
  ["100.64.0.0/10", blocked("cgnat")],
  // Alibaba Cloud's instance metadata service sits inside the CGNAT range.
  ["100.100.100.200/32", blocked("cloud_metadata")],
  ["127.0.0.0/8", blocked("loopback")],
  ["169.254.0.0/16", blocked("link_local")],
  // AWS, GCP, Azure, Oracle and OpenStack instance metadata: credentials live here.
  ["169.254.169.254/32", blocked("cloud_metadata")],
  ["172.16.0.0/12", blocked("private")],
  ["192.0.0.0/24", blocked("ietf_protocol")],
  ["192.0.2.0/24", blocked("documentation")],
  ["192.88.99.0/24", blocked("6to4_relay")],
  ["192.168.0.0/16", blocked("private")],
  ["198.18.0.0/15", blocked("benchmarking")],
  ["198.51.100.0/24", blocked("documentation")],
  ["203.0.113.0/24", blocked("documentation")],
  ["224.0.0.0/4", blocked("multicast")],
  ["240.0.0.0/4", blocked("reserved")],
  ["255.255.255.255/32", blocked("broadcast")],

  // Only 2000::/3 is allocated for global unicast; the rest of the space is refused unless a
  // more specific entry below says otherwise.
  ["::/0", blocked("reserved")],
  ["2000::/3", { kind: "global" }],
  ["::/128", blocked("unspecified")],
  ["::1/128", blocked("loopback")],
  ["::ffff:0:0/96", embedded("ipv4_mapped", low32)],
  ["::/96", embedded("ipv4_compatible", low32)],
  ["64:ff9b::/96", embedded("nat64", low32)],
  ["64:ff9b:1::/48", blocked("nat64")],
  ["100::/64", blocked("discard")],
  ["2001::/23", blocked("ietf_protocol")],
  // Teredo carries the server's IPv4 address and the client's, the latter with its bits inverted.
  ["2001::/32", embedded("teredo", (value) => [(value >> 64n) & LOW_32, ~value & LOW_32])],
  ["2001:2::/48", blocked("benchmarking")],
  ["2001:db8::/32", blocked("documentation")],
  ["2002::/16", embedded("6to4", (value) => [(value >> 80n) & LOW_32])],
  ["3fff::/20", blocked("documentation")],
  ["5f00::/16", blocked("srv6")],
  ["fc00::/7", blocked("unique_local")],
  // AWS instance metadata over IPv6.
  ["fd00:ec2::254/128", blocked("cloud_metadata")],
  ["fe80::/10", blocked("link_local")],
  ["fec0::/10", blocked("site_local")],
  ["ff00::/8", blocked("multicast")],
];

function blocked(range: BlockedRange): RangeRule {
  return { kind: "blocked", range };
}

function embedded(via: Embedding, extract: (value: bigint) => bigint[]): RangeRule {
  return { kind: "embedded", via, extract };
}

/** Most specific first, so the first match is the longest prefix. */
const TABLE: { network: IpNetwork; rule: RangeRule }[] = RULES.map(([cidr, rule]) => {
  const network = parseNetwork(cidr);
  if (network === undefined) throw new Error(`bad special range ${cidr}`);
  return { network, rule };
}).sort((a, b) => b.network.prefix - a.network.prefix);

/** The rule of the most specific special range holding `address`, or `global`. */
export function ruleFor(address: IpAddress): RangeRule {
  for (const { network, rule } of TABLE) {
    if (contains(network, address)) return rule;
  }
  return { kind: "global" };
}
