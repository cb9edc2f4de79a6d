import { describe, expect, it } from 'vitest';
import { EGRESS_FALLBACK_RANGE, isPoolsExhausted, routesOf } from '../../src/core/engine/egress-subnet';
import { cidrText, freeSubnetsInOrder, parseCidr, type Cidr } from '../../src/core/engine/network-subnets';

/*
 * When the engine's default address pools are all in use (a host with ~30 bridges), the egress
 * bridge takes a /24 of 10.214/16 clear of the engine's networks and of this host's routes. The
 * engine's own refusal, the host's route table and the choice are read here as the host gives them.
 */

// /proc/net/route as Linux writes it: little-endian hex; the default route, docker0 (172.17/16), a /24 bridge.
const TABLE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'br-1\t0000D60A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  '',
].join('\n');

describe('the egress bridge’s own subnet', () => {
  it('knows the engine’s refusal when its pools are used up (as Docker words it through the API)', () => {
    const refusal = new Error(
      '(HTTP code 404) driver not found - could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network ',
    );
    expect(isPoolsExhausted(refusal)).toBe(true);
    expect(isPoolsExhausted(new Error('(HTTP code 403) Pool overlaps with other one on this address space'))).toBe(false);
  });

  it('reads this host’s routes, the default route left out', () => {
    expect(routesOf(TABLE).map(cidrText)).toEqual(['172.17.0.0/16', '10.214.0.0/24']);
    expect(routesOf('garbage\nnot a route line\n')).toEqual([]);
  });

  it('takes a /24 of its range that no network of the engine and no route holds', () => {
    const range = parseCidr(EGRESS_FALLBACK_RANGE) as Cidr;
    const taken = [...routesOf(TABLE), parseCidr('10.214.1.0/24') as Cidr];
    const [first, second] = freeSubnetsInOrder(taken, 0, range, 24);
    expect([first, second].map((subnet) => cidrText(subnet as Cidr))).toEqual(['10.214.2.0/24', '10.214.3.0/24']);
  });
});
