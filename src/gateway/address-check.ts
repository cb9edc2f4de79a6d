/**
 * Where a connection may go, decided on addresses rather than names: the target's name is resolved
 * by the gateway (the bottle has no DNS), every address it resolves to is checked by the shared
 * policy's mayDial (ranges and rules live there, not here), and the socket is dialled to the checked
 * address itself (a lookup that returns only the pinned address), so a name that answers differently
 * a moment later (DNS rebinding) cannot slip a private address in.
 */
import dns from 'node:dns';
import { parseIpLiteral, type IpAddress, type Parsed } from '../shared/network-policy';

export interface PinnedTarget {
  address: string;
  family: 4 | 6;
}

/** On refusal, `address` is the address a rule would have to name exactly (null: the name did not resolve). */
export type AddressCheck = { ok: true; target: PinnedTarget } | { ok: false; reason: string; address: string | null };

/**
 * Resolves the host (an IP literal as itself), checks every address with `mayDial` (the shared
 * policy's), and returns the checked address to dial. One address refused refuses the name: a name
 * that answers with a private address beside public ones is rebinding until a rule names it.
 */
export async function resolveAndCheck(host: string, mayDial: (address: string) => Parsed<IpAddress>): Promise<AddressCheck> {
  let addresses: string[];
  if (parseIpLiteral(host) !== null) addresses = [host];
  else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error: unknown) {
      return { ok: false, reason: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`, address: null };
    }
  }
  let first: IpAddress | null = null;
  for (const address of addresses) {
    const checked = mayDial(address);
    if (!checked.ok)
      return { ok: false, reason: host === address ? checked.error : `${host} resolves to ${address}: ${checked.error}`, address };
    first ??= checked.value;
  }
  if (first === null) return { ok: false, reason: `${host} does not resolve`, address: null };
  return { ok: true, target: { address: first.text, family: first.family } };
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
