/**
 * Where a connection may go, decided on addresses rather than names: the target's name is resolved
 * by the gateway (the bottle has no DNS), every address it resolves to is checked, and the socket is
 * dialled to the checked address itself (a lookup that returns only the pinned address), so a name
 * that answers differently a moment later (DNS rebinding) cannot slip a private address in.
 * Private, loopback, link-local (the metadata service), CGNAT, ULA and the other special-purpose
 * ranges are refused unless a rule names that exact address.
 */
import dns from 'node:dns';
import net from 'node:net';

/** Special-purpose ranges (IANA registries) a bottle must not reach by default. */
const SPECIAL_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF special'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
/** IPv6 special ranges; the forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are refused outright. */
const SPECIAL_V6: Array<[string, number, string]> = [
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible or unspecified'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['64:ff9b::', 96, 'NAT64'],
  ['64:ff9b:1::', 48, 'NAT64 local'],
  ['100::', 64, 'discard'],
  ['2001::', 23, 'IETF special (Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

const specialV4 = SPECIAL_V4.map(([address, prefix, label]) => ({ list: subnet(address, prefix, 'ipv4'), label }));
const specialV6 = SPECIAL_V6.map(([address, prefix, label]) => ({ list: subnet(address, prefix, 'ipv6'), label }));

function subnet(address: string, prefix: number, family: 'ipv4' | 'ipv6'): net.BlockList {
  const list = new net.BlockList();
  list.addSubnet(address, prefix, family);
  return list;
}

/** Null for a public address; otherwise the name of the special range it falls in. */
export function specialRange(address: string): string | null {
  const family = net.isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // A zone index (fe80::1%eth0) names an interface of the gateway itself: never a public target.
  if (address.includes('%')) return 'scoped (zone) address';
  // BlockList matches an IPv4 address against IPv6 rules as its mapped form (so ::ffff:0:0/96 would
  // catch every IPv4 address), and an IPv4-mapped IPv6 address against IPv4 rules: so IPv4 addresses
  // meet the IPv4 ranges only, IPv6 ones the IPv4 ranges (naming the range a mapped address is in) then the IPv6 ones.
  const ranges = type === 'ipv4' ? specialV4 : [...specialV4, ...specialV6];
  for (const range of ranges) if (range.list.check(address, type)) return range.label;
  return null;
}

/**
 * The host as the gateway compares and resolves it: lower case, no trailing dot, IPv6 without
 * brackets, and every IPv4 spelling (`0x7f.1`, `2130706433`, `0177.0.0.1`) turned into the dotted
 * form by the WHATWG URL parser, which is what browsers and curl would dial. Null when it is no host.
 */
export function canonicalHost(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === '' || bare.length > 255) return null;
  // Only host characters: the URL parser would otherwise read `evil.example/path` or `user@host` as a host.
  if (!net.isIPv6(bare) && /[^\p{L}\p{N}._-]/u.test(bare)) return null;
  const forUrl = net.isIPv6(bare) ? `[${bare}]` : bare;
  let hostname: string;
  try {
    hostname = new URL(`http://${forUrl}/`).hostname;
  } catch (error: unknown) {
    void error; // not a host the URL parser accepts: the caller refuses it with a one-line reason.
    return null;
  }
  if (hostname.startsWith('[')) hostname = hostname.slice(1, -1);
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  if (hostname === '') return null;
  return hostname;
}

export interface PinnedTarget {
  address: string;
  family: 4 | 6;
}

/** On refusal, `address` is the special address a rule would have to name exactly (null: none can help). */
export type AddressCheck = { ok: true; target: PinnedTarget } | { ok: false; reason: string; address: string | null };

/**
 * Resolves the host (an IP literal as itself), checks every address, and returns the one to dial.
 * `mayDialSpecial(address)` says whether a rule names that exact special address.
 */
export async function resolveAndCheck(host: string, mayDialSpecial: (address: string) => boolean): Promise<AddressCheck> {
  let addresses: Array<{ address: string; family: number }>;
  if (net.isIP(host) !== 0) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
    } catch (error: unknown) {
      return { ok: false, reason: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`, address: null };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve`, address: null };
  for (const { address } of addresses) {
    const range = specialRange(address);
    if (range !== null && !mayDialSpecial(address)) {
      return {
        ok: false,
        reason: `${host === address ? host : `${host} resolves to ${address}`} (${range}), which no rule names exactly`,
        address,
      };
    }
  }
  const first = addresses[0]!;
  return { ok: true, target: { address: first.address, family: first.family === 6 ? 6 : 4 } };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A `dns.lookup` stand-in that answers every query with the pinned, already checked address. */
export function pinnedLookup(target: PinnedTarget): typeof dns.lookup {
  const lookup = (_hostname: string, options: unknown, callback?: LookupCallback): void => {
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    const wantsAll = typeof options === 'object' && options !== null && (options as dns.LookupOptions).all === true;
    process.nextTick(() => {
      if (wantsAll) done(null, [{ address: target.address, family: target.family }]);
      else done(null, target.address, target.family);
    });
  };
  return lookup as unknown as typeof dns.lookup;
}
