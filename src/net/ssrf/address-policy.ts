import { contains, formatIPv4, type IpAddress, type IpNetwork, parseIp, parseNetwork } from "./ip-address.js";
import { type BlockedRange, type Embedding, ruleFor } from "./special-ranges.js";

export type { BlockedRange, Embedding } from "./special-ranges.js";

export type AddressVerdict =
  | { allowed: true }
  | {
      allowed: false;
      range: BlockedRange;
      /** Set when an IPv6 address was judged by the IPv4 address it carries. */
      embedded?: { via: Embedding; address: string };
    };

export interface AddressPolicy {
  /** Whether a connection to `address` (an IP address, not a name) is allowed. */
  check(address: string): AddressVerdict;
}

export interface AddressPolicyOptions {
  /** Addresses or CIDRs (IPv4 or IPv6) let through although they sit in a refused range. */
  allow?: readonly string[];
}

const ALLOWED: AddressVerdict = Object.freeze({ allowed: true });
const MAPPED = parseNetwork("::ffff:0:0/96")!;

/**
 * Decides which addresses the server may connect to on a user's behalf: everything globally
 * routable, nothing else unless `allow` names it.
 *
 * @throws TypeError naming the first `allow` entry that is not an address or CIDR.
 */
export function createAddressPolicy({ allow = [] }: AddressPolicyOptions = {}): AddressPolicy {
  const allowed = allow.map(parseAllowEntry);
  const isAllowed = (address: IpAddress) => allowed.some((network) => contains(network, address));

  return Object.freeze({
    check(text: string): AddressVerdict {
      const address = parseIp(text);
      if (address === undefined) return { allowed: false, range: "invalid" };
      if (isAllowed(address)) return ALLOWED;
      const rule = ruleFor(address);
      if (rule.kind === "global") return ALLOWED;
      if (rule.kind === "blocked") return { allowed: false, range: rule.range };
      for (const value of rule.extract(address.value)) {
        const inner: IpAddress = { family: 4, value };
        if (isAllowed(inner)) continue;
        const innerRule = ruleFor(inner);
        if (innerRule.kind === "blocked") {
          return {
            allowed: false,
            range: innerRule.range,
            embedded: { via: rule.via, address: formatIPv4(value) },
          };
        }
      }
      return ALLOWED;
    },
  });
}

function parseAllowEntry(entry: string): IpNetwork {
  const network = typeof entry === "string" ? parseNetwork(entry.trim()) : undefined;
  if (network === undefined) {
    throw new TypeError(
      `invalid allow entry ${JSON.stringify(entry)}: expected an IP address or CIDR such as 127.0.0.1, 10.0.0.0/8 or ::1`,
    );
  }
  // An IPv4-mapped entry means the IPv4 network: `::ffff:10.0.0.0/104` allows 10.0.0.0/8 too.
  if (network.prefix >= 96 && contains(MAPPED, network)) {
    return { family: 4, value: network.value & 0xffffffffn, prefix: network.prefix - 96 };
  }
  return network;
}
