import { isIP } from "node:net";

/** An IP address as a number: 32 bits for IPv4, 128 bits for IPv6. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** A network: the address with its host bits cleared, and the prefix length. */
export interface IpNetwork extends IpAddress {
  prefix: number;
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/**
 * Parses an address in canonical notation (dotted-quad IPv4, or IPv6 with an optional dotted
 * tail and zone). Other IPv4 notations (`127.1`, `0x7f.0.0.1`, `2130706433`) are not
 * addresses here: URLs normalise them before they reach this point, and anything else that
 * offers one is refused rather than guessed at.
 */
export function parseIp(text: string): IpAddress | undefined {
  const family = isIP(text);
  if (family === 4) return { family, value: parseIPv4(text) };
  if (family === 6) return parseIPv6(text.split("%", 1)[0]!);
  return undefined;
}

function parseIPv4(text: string): bigint {
  return text.split(".").reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): IpAddress | undefined {
  const [head, tail, ...rest] = text.split("::");
  if (head === undefined || rest.length > 0) return undefined;
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array<bigint>(tail === undefined ? 0 : missing).fill(0n), ...right];
  return { family: 6, value: all.reduce((value, group) => (value << 16n) | group, 0n) };
}

/** The 16-bit groups of one side of `::`; a dotted IPv4 tail counts as two. */
function groups(side: string): bigint[] | undefined {
  if (side === "") return [];
  const out: bigint[] = [];
  for (const part of side.split(":")) {
    if (part.includes(".")) {
      if (isIP(part) !== 4) return undefined;
      const v4 = parseIPv4(part);
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      out.push(BigInt(`0x${part}`));
    } else {
      return undefined;
    }
  }
  return out;
}

/** Parses `address` or `address/prefix`; host bits below the prefix are cleared. */
export function parseNetwork(text: string): IpNetwork | undefined {
  const [addressText, prefixText, ...rest] = text.split("/");
  if (addressText === undefined || rest.length > 0) return undefined;
  const address = parseIp(addressText);
  if (address === undefined || addressText.includes("%")) return undefined;
  const bits = bitsOf(address.family);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const shift = BigInt(bits - prefix);
  return { family: address.family, value: (address.value >> shift) << shift, prefix };
}

export function contains(network: IpNetwork, address: IpAddress): boolean {
  if (network.family !== address.family) return false;
  const shift = BigInt(bitsOf(network.family) - network.prefix);
  return address.value >> shift === network.value >> shift;
}

export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join(".");
}
