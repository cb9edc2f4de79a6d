import { describe, expect, it } from 'vitest';
import { parseIpLiteral, parseIpv4Number, type AddressRange } from './network-address';

/** What the URL standard's host parser (inet_aton's forms) reads a host as: the independent referee. */
function urlHost(host: string): string | null {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch (error: unknown) {
    if (error instanceof TypeError) return null;
    throw error;
  }
}

describe('IP literals in every form a resolver reads', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7F.0.0.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.0.0.01', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['2852039166', '169.254.169.254'],
    ['10.0.0.1', '10.0.0.1'],
    ['167772161', '10.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['4294967295', '255.255.255.255'],
    ['8.8.8.8', '8.8.8.8'],
  ])('%s is %s, as the URL standard reads it too', (text, address) => {
    expect(parseIpLiteral(text)?.text).toBe(address);
    expect(parseIpLiteral(text)?.family).toBe(4);
    expect(urlHost(text)).toBe(address);
  });

  it.each(['4294967296', '256.0.0.1', '1.2.3.4.5', '1.2.3.256', '1..2', '.1.2.3', '08.0.0.1', '0x1g', '1.2.3.-1', '', '1e3'])(
    '%s is no IPv4 address',
    (text) => {
      expect(parseIpv4Number(text)).toBeNull();
    },
  );

  it.each([
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['[::ffff:7f00:1]', '127.0.0.1'],
    ['::FFFF:A9FE:A9FE', '169.254.169.254'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1', 'fe80::1'],
    ['2606:4700:4700::1111', '2606:4700:4700::1111'],
  ])('IPv6 %s is %s', (text, address) => {
    expect(parseIpLiteral(text)?.text).toBe(address);
  });

  it.each(['::1::', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '::ffff:0x7f.1', '::ffff:1.2.3', ':::', 'g::1', '1:2:3:4:5:6:7'])(
    '%s is no address',
    (text) => {
      expect(parseIpLiteral(text)).toBeNull();
    },
  );
});

describe('address ranges', () => {
  it.each<[string, AddressRange]>([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['10.213.0.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'metadata'],
    ['2852039166', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['192.0.2.2', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['1.1.1.1', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'reserved'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['4000::1', 'reserved'],
  ])('%s is %s', (text, range) => {
    expect(parseIpLiteral(text)?.range).toBe(range);
  });
});
