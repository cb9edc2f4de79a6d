import { describe, expect, it } from 'vitest';
import { cidrText, firstFreeSubnet, freeSubnets, hostAddress, overlaps, parseCidr, type Cidr } from '../../src/core/engine/network-subnets';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (parsed === null) throw new Error(`bad test CIDR ${text}`);
  return parsed;
};

describe('bottle network subnets (issue 19)', () => {
  it('parses IPv4 CIDRs, clears host bits, and refuses IPv6 and malformed text', () => {
    expect(cidrText(cidr('10.213.0.13/29'))).toBe('10.213.0.8/29');
    expect(cidrText(cidr('172.17.0.0/16'))).toBe('172.17.0.0/16');
    for (const bad of ['fd00::/64', '10.213.0.0', '10.213.0.0/33', '10.213.0.256/29', '010.1.1.1/8', '1.2.3/24', '10.0.0.0/8/1', ''])
      expect(parseCidr(bad)).toBeNull();
  });

  it('finds overlaps between nested and adjacent blocks', () => {
    expect(overlaps(cidr('10.213.0.0/16'), cidr('10.213.7.8/29'))).toBe(true);
    expect(overlaps(cidr('10.213.7.8/29'), cidr('10.213.0.0/16'))).toBe(true);
    expect(overlaps(cidr('10.213.7.8/29'), cidr('10.213.7.16/29'))).toBe(false);
    expect(overlaps(cidr('0.0.0.0/0'), cidr('10.213.7.8/29'))).toBe(true);
  });

  it('gives the gateway .2 and the bottle .3 of a /29', () => {
    expect(hostAddress(cidr('10.213.4.8/29'), 2)).toBe('10.213.4.10');
    expect(hostAddress(cidr('10.213.4.8/29'), 3)).toBe('10.213.4.11');
  });

  it('picks /29s of 10.213/16 from the seed on, skipping every subnet the engine has, wrapping at the end', () => {
    const taken = [cidr('10.213.0.16/28'), cidr('172.17.0.0/16')];
    expect(freeSubnets(taken, 1).slice(0, 2).map(cidrText)).toEqual(['10.213.0.8/29', '10.213.0.32/29']);
    expect(freeSubnets([], 8191).slice(0, 2).map(cidrText)).toEqual(['10.213.255.248/29', '10.213.0.0/29']);
    expect(freeSubnets([], 8192 + 3)[0]).toEqual(cidr('10.213.0.24/29'));
  });

  it('finds nothing when a wider network covers the whole range', () => {
    expect(freeSubnets([cidr('10.0.0.0/8')], 5)).toEqual([]);
    expect(freeSubnets([cidr('10.213.0.0/17')], 0)[0]).toEqual(cidr('10.213.128.0/29'));
    expect(firstFreeSubnet([cidr('10.0.0.0/8')], 5)).toBeUndefined();
  });

  it("a launch's first choice is the first of the full list, found without listing the rest", () => {
    const taken = [cidr('10.213.0.16/28'), cidr('172.17.0.0/16'), cidr('10.213.0.0/17')];
    for (const seed of [0, 1, 3, 4095, 8191, 8192 + 3, 123456789])
      expect(firstFreeSubnet(taken, seed)).toEqual(freeSubnets(taken, seed)[0]);
  });
});
