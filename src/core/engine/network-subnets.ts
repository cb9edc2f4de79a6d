/*
 * IPv4 /29 subnets for bottle networks, picked from a range we own and checked against every subnet
 * the engine already has: pure arithmetic, so the choice is testable without an engine.
 */

/** The range bottle networks take their /29s from: outside Docker's default pools (172.17/16..., 192.168/16). */
export const BOTTLE_SUBNET_RANGE = '10.213.0.0/16';
/** A /29: network, the engine's reserved gateway (.1), our gateway container (.2), the bottle (.3), broadcast. */
export const BOTTLE_SUBNET_PREFIX = 29;

export interface Cidr {
  /** The first address, as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** `a.b.c.d` → its 32-bit number; null for anything else (an IPv6 address, a typo). */
export function ipv4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) return null;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `10.213.0.8/29` → its first address and prefix (host bits cleared); null for IPv6 or malformed text. */
export function parseCidr(text: string): Cidr | null {
  const [address, prefixText, ...rest] = text.split('/');
  if (address === undefined || prefixText === undefined || rest.length > 0 || !/^\d{1,2}$/.test(prefixText)) return null;
  const value = ipv4ToNumber(address);
  const prefix = Number(prefixText);
  if (value === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  return { base: value - (value % size), prefix };
}

function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrText(cidr: Cidr): string {
  return `${numberToIpv4(cidr.base)}/${cidr.prefix}`;
}

/** Whether two subnets share any address (aligned blocks either nest or are apart). */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** The n-th address of a subnet (`.2` is the gateway container's, `.3` the bottle's). */
export function hostAddress(subnet: Cidr, n: number): string {
  return numberToIpv4(subnet.base + n);
}

/**
 * The /29s of the range in the order a bottle tries them: from a slot its identity hashes to, then
 * onwards (wrapping), skipping every one that overlaps a subnet in `taken`. Starting apart makes two
 * launches racing for a subnet unlikely to want the same one; the engine refuses the loser anyway
 * (pool overlap), which then takes the next. Lazy: a launch wants only the first of 8,192.
 */
export function* freeSubnetsInOrder(
  taken: Cidr[],
  seed: number,
  range: Cidr = parseCidr(BOTTLE_SUBNET_RANGE) as Cidr,
  prefix: number = BOTTLE_SUBNET_PREFIX,
): Generator<Cidr> {
  const slots = size(range) / 2 ** (32 - prefix);
  const start = Math.abs(Math.trunc(seed)) % slots;
  for (let i = 0; i < slots; i++) {
    const candidate = { base: range.base + ((start + i) % slots) * 2 ** (32 - prefix), prefix };
    if (!taken.some((subnet) => overlaps(subnet, candidate))) yield candidate;
  }
}

/** Every free /29, in freeSubnetsInOrder's order. */
export function freeSubnets(taken: Cidr[], seed: number, range?: Cidr): Cidr[] {
  return [...freeSubnetsInOrder(taken, seed, range)];
}

/** The /29 a bottle tries first (freeSubnetsInOrder); undefined when the range is full. */
export function firstFreeSubnet(taken: Cidr[], seed: number): Cidr | undefined {
  for (const subnet of freeSubnetsInOrder(taken, seed)) return subnet;
  return undefined;
}
