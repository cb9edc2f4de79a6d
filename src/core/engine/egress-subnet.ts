import { readFile } from 'node:fs/promises';
import { BottleError, errorMessage } from '../base/bottle-error';
import { isPoolOverlap, subnetSeed, subnetsOf } from './bottle-networks';
import type { EngineClient, NetworkCreateOptions } from './engine-client';
import { engineStatus } from './if-engine-object-exists';
import { cidrText, freeSubnetsInOrder, parseCidr, type Cidr } from './network-subnets';

/*
 * An egress bridge takes its subnet from the engine's default pools (172.17-31/16, 192.168/20s),
 * which the engine picks clear of this host's routes. A host with ~30 bridges already (other
 * projects', other state roots', a second engine's) has none left, and the engine refuses every
 * new one: no bottle of a new state root could start. Then the bridge takes a /24 of a range of
 * ours instead, clear of every network of the engine and every route of this host.
 */

/** Where an egress bridge's /24 comes from when the engine's pools are used up: beside the bottles' 10.213/16. */
export const EGRESS_FALLBACK_RANGE = '10.214.0.0/16';
const EGRESS_PREFIX = 24;
const CREATE_ATTEMPTS = 4;

/** The engine's refusal when its default address pools are all taken (Docker 20-27 say it so). */
export function isPoolsExhausted(error: unknown): boolean {
  return /could not find an available, non-overlapping IPv4 address pool/i.test(errorMessage(error));
}

/** The IPv4 routes of this host (/proc/net/route: little-endian hex destination and mask), the default route left out. */
export function routesOf(table: string): Cidr[] {
  return table
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const [, destination, , , , , , mask] = line.trim().split(/\s+/);
      if (destination === undefined || mask === undefined || !/^[0-9A-Fa-f]{8}$/.test(destination) || !/^[0-9A-Fa-f]{8}$/.test(mask))
        return [];
      const address = Buffer.from(destination, 'hex').reverse().join('.');
      const prefix = [...Buffer.from(mask, 'hex')].reduce((bits, byte) => bits + byte.toString(2).replace(/0/g, '').length, 0);
      return prefix === 0 ? [] : (parseCidr(`${address}/${prefix}`) ?? []);
    });
}

async function hostRoutes(): Promise<Cidr[]> {
  try {
    return routesOf(await readFile('/proc/net/route', 'utf8'));
  } catch (error: unknown) {
    // Not Linux, or not readable: the engine's own networks are what is checked.
    void error;
    return [];
  }
}

/**
 * Makes the egress bridge (`options`, without a subnet) on a /24 of EGRESS_FALLBACK_RANGE that
 * overlaps no network of the engine and no route of this host, seeded by `seed` (the state root's
 * instance) so that two roots start apart. A /24 taken meanwhile (the engine says the pool
 * overlaps) is followed by the next; one made meanwhile under the same name (409) is left to the
 * caller's read back.
 */
export async function createOnOwnSubnet(docker: EngineClient, options: NetworkCreateOptions, seed: string): Promise<void> {
  const range = parseCidr(EGRESS_FALLBACK_RANGE) as Cidr;
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const taken = [...subnetsOf(await docker.listNetworks()), ...(await hostRoutes())];
    const [subnet] = freeSubnetsInOrder(taken, subnetSeed(seed) + attempt, range, EGRESS_PREFIX);
    if (subnet === undefined) break;
    try {
      await docker.createNetwork({ ...options, IPAM: { Driver: 'default', Config: [{ Subnet: cidrText(subnet) }] } });
      return;
    } catch (error: unknown) {
      if (engineStatus(error) === 409) return;
      if (!isPoolOverlap(error)) throw error;
    }
  }
  throw new BottleError(
    'limit-exceeded',
    `no address range left for network ${options.Name ?? ''}: the engine's pools and ${EGRESS_FALLBACK_RANGE} are all in use; remove networks you no longer need (docker network prune)`,
  );
}
