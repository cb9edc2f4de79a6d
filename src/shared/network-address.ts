/**
 * IP literals as a hostile bottle writes them, and which ranges they fall in: the gateway must know
 * that `0x7f.1`, `2130706433`, `[::ffff:127.0.0.1]` and `127.0.0.1` are one address before it asks
 * whether that address may be dialled. Pure (no Node modules): shared by the gateway, the core and
 * the page.
 */

export type AddressFamily = 4 | 6;

/**
 * Where an address points. Everything but `public` is refused unless an operator's rule names that
 * exact address (network-policy.ts); `metadata`, `unspecified`, `multicast` and `broadcast` never.
 */
export type AddressRange =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** Ranges no rule can open: nothing a bottle may reach is ever there. */
export const NEVER_DIALLED: ReadonlySet<AddressRange> = new Set<AddressRange>(['metadata', 'unspecified', 'multicast', 'broadcast']);

export interface IpAddress {
  family: AddressFamily;
  /** Canonical text: dotted decimal, or RFC 5952 IPv6 (an IPv4-mapped IPv6 becomes its IPv4). */
  text: string;
  range: AddressRange;
}

/** One part of an inet_aton form: decimal, octal (leading 0) or hex (0x); null when it is none. */
function inetPart(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part, 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return null;
}

/**
 * The 32-bit value of an IPv4 address in any form the C library's resolver (inet_aton) and the URL
 * standard accept — `127.0.0.1`, `127.1`, `0x7f.1`, `0177.0.0.1`, `2130706433` — or null when the
 * text is none of them. What a name lookup would dial is what we classify, never what it looks like.
 */
export function parseIpv4Number(text: string): number | null {
  if (text.length === 0 || text.length > 64) return null;
  const parts = text.split('.');
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    const value = inetPart(part);
    if (value === null || !Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  const last = values.pop() as number;
  // Each leading part is one byte; the last fills the bytes that remain (so `127.1` is 127.0.0.1).
  if (values.some((value) => value > 255)) return null;
  if (last >= 2 ** (8 * (4 - values.length))) return null;
  return values.reduce((sum, value, index) => sum + value * 2 ** (8 * (3 - index)), 0) + last;
}

function ipv4Text(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * True for an IPv4 address written in any form but plain dotted decimal (`127.1`, `0x7f.1`,
 * `0177.0.0.1`, `2130706433`): resolvers disagree on some of these (octal above all), so such a
 * destination is refused rather than dialled as one parser read it. A trailing dot is allowed.
 */
export function isAlternateIpv4Form(host: string): boolean {
  const text = host.endsWith('.') ? host.slice(0, -1) : host;
  const value = parseIpv4Number(text);
  return value !== null && text !== ipv4Text(value);
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail allowed), or null. */
export function parseIpv6Groups(text: string): number[] | null {
  if (text.length < 2 || text.length > 45 || !/^[0-9a-f:.]+$/i.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (half: string, allowTail: boolean): number[] | null => {
    if (half === '') return [];
    const groups: number[] = [];
    const parts = half.split(':');
    for (const [index, part] of parts.entries()) {
      if (allowTail && index === parts.length - 1 && part.includes('.')) {
        // Only plain dotted decimal here: `::ffff:0x7f.1` is no address.
        if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(part)) return null;
        const bytes = part.split('.').map(Number);
        if (bytes.some((byte) => byte > 255)) return null;
        groups.push((bytes[0] ?? 0) * 256 + (bytes[1] ?? 0), (bytes[2] ?? 0) * 256 + (bytes[3] ?? 0));
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(part)) return null;
        groups.push(parseInt(part, 16));
      }
    }
    return groups;
  };
  if (halves.length === 1) {
    const groups = groupsOf(text, true);
    return groups !== null && groups.length === 8 ? groups : null;
  }
  const head = groupsOf(halves[0] ?? '', false);
  const tail = groupsOf(halves[1] ?? '', true);
  if (head === null || tail === null || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function ipv6Text(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8;) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

const inV4 = (value: number, base: string, bits: number): boolean => {
  const start = parseIpv4Number(base) ?? 0;
  const size = 2 ** (32 - bits);
  return value >= start && value < start + size;
};

/**
 * Cloud metadata and host-agent endpoints (AWS, GCP, Azure, Oracle, Alibaba, ECS): never dialled,
 * whatever a rule says. 168.63.129.16 is Azure's host endpoint in public space.
 */
const METADATA_V4 = ['169.254.169.254', '169.254.170.2', '169.254.169.123', '168.63.129.16', '100.100.100.200', '192.0.0.192'];
const METADATA_V6 = ['fd00:ec2::254', 'fd00:ec2::23'];

export function ipv4Range(value: number): AddressRange {
  if (METADATA_V4.includes(ipv4Text(value))) return 'metadata';
  if (value === 0xffffffff) return 'broadcast';
  if (value === 0) return 'unspecified';
  if (inV4(value, '127.0.0.0', 8)) return 'loopback';
  if (inV4(value, '10.0.0.0', 8) || inV4(value, '172.16.0.0', 12) || inV4(value, '192.168.0.0', 16)) return 'private';
  if (inV4(value, '100.64.0.0', 10)) return 'cgnat';
  if (inV4(value, '169.254.0.0', 16)) return 'link-local';
  if (inV4(value, '224.0.0.0', 4)) return 'multicast';
  // "This network", IETF assignments, documentation, 6to4 relays, benchmarking, class E.
  const reserved: [string, number][] = [
    ['0.0.0.0', 8],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['240.0.0.0', 4],
  ];
  return reserved.some(([base, bits]) => inV4(value, base, bits)) ? 'reserved' : 'public';
}

/** The IPv4 address an IPv6 address carries and is routed to (mapped, translated, NAT64, 6to4), or null. */
function embeddedIpv4(groups: readonly number[]): number | null {
  const g = (index: number): number => groups[index] ?? 0;
  const tail = g(6) * 65536 + g(7);
  const zeros = (from: number, to: number): boolean => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && g(5) === 0xffff) return tail; // ::ffff:a.b.c.d, IPv4-mapped
  if (zeros(0, 4) && g(4) === 0xffff && g(5) === 0) return tail; // ::ffff:0:a.b.c.d, IPv4-translated
  if (g(0) === 0x64 && g(1) === 0xff9b && zeros(2, 6)) return tail; // 64:ff9b::/96, NAT64
  if (g(0) === 0x2002) return g(1) * 65536 + g(2); // 2002::/16, 6to4
  return null;
}

export function ipv6Range(groups: readonly number[]): AddressRange {
  const g = (index: number): number => groups[index] ?? 0;
  if (METADATA_V6.includes(ipv6Text(groups))) return 'metadata';
  if (groups.every((group) => group === 0)) return 'unspecified';
  if (groups.slice(0, 7).every((group) => group === 0) && g(7) === 1) return 'loopback';
  const v4 = embeddedIpv4(groups);
  if (v4 !== null) return ipv4Range(v4);
  if ((g(0) & 0xff00) === 0xff00) return 'multicast';
  if ((g(0) & 0xffc0) === 0xfe80) return 'link-local';
  // fec0::/10 (site-local, deprecated but still routed by some networks) is a private range too.
  if ((g(0) & 0xffc0) === 0xfec0) return 'private';
  if ((g(0) & 0xfe00) === 0xfc00) return 'unique-local';
  // ::/96 (IPv4-compatible), 64:ff9b:1::/48 (local NAT64), 100::/64 (discard), 2001::/23 (IETF,
  // Teredo), 2001:db8::/32 (documentation), 3fff::/20 (documentation): nothing a bottle needs.
  if (groups.slice(0, 6).every((group) => group === 0)) return 'reserved';
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 1) return 'reserved';
  if (g(0) === 0x100 && g(1) === 0 && g(2) === 0 && g(3) === 0) return 'reserved';
  if (g(0) === 0x2001 && (g(1) < 0x200 || g(1) === 0xdb8)) return 'reserved';
  if (g(0) === 0x3fff && g(1) < 0x1000) return 'reserved';
  // Only 2000::/3 is global unicast; the rest is unassigned.
  return (g(0) & 0xe000) === 0x2000 ? 'public' : 'reserved';
}

/**
 * The address a host text names when it is an IP literal, in any form a resolver takes (IPv6
 * with or without brackets, no zone id), or null when it is a name. An IPv4-mapped IPv6 address
 * comes back as its IPv4: the same socket is dialled either way.
 */
export function parseIpLiteral(host: string): IpAddress | null {
  const v4 = parseIpv4Number(host);
  if (v4 !== null) return { family: 4, text: ipv4Text(v4), range: ipv4Range(v4) };
  const inner = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const groups = parseIpv6Groups(inner);
  if (groups === null) return null;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const value = (groups[6] ?? 0) * 65536 + (groups[7] ?? 0);
    return { family: 4, text: ipv4Text(value), range: ipv4Range(value) };
  }
  return { family: 6, text: ipv6Text(groups), range: ipv6Range(groups) };
}

/**
 * True when a host text is meant as an IP literal however malformed: it has a colon, or its last
 * label is a number (as the URL standard reads it, so `1.2.3.4.5` and `example.0x1` are no names).
 */
export function looksLikeIpLiteral(host: string): boolean {
  return host.includes(':') || /(^|\.)(0x[0-9a-f]*|[0-9]+)$/i.test(host);
}
