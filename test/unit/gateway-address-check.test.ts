/**
 * The gateway's address check (src/gateway/address-check.ts): every spelling of a host reduced to
 * the one the policy compares, the special ranges, and the pinned lookup that makes the dial go to
 * the checked address whatever the name would resolve to by then (no DNS-rebinding window).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalHost, pinnedLookup, resolveAndCheck, specialRange } from '../../src/gateway/address-check';

describe('canonicalHost', () => {
  it.each([
    ['Example.COM.', 'example.com'],
    ['0x7f.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['[::FFFF:127.0.0.1]', '::ffff:7f00:1'],
    ['::1', '::1'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('%s -> %s', (host, canonical) => {
    expect(canonicalHost(host)).toBe(canonical);
  });

  it.each(['', 'a b', 'evil.example/path', 'user@host', '[::1', 'x'.repeat(300)])('refuses %j', (host) => {
    expect(canonicalHost(host)).toBeNull();
  });
});

describe('specialRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['172.31.255.255', 'private'],
    ['::1', 'loopback'],
    ['::', 'IPv4-compatible or unspecified'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1%eth0', 'scoped (zone) address'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['2001::1', 'IETF special (Teredo)'],
    ['255.255.255.255', 'reserved'],
  ])('%s is %s', (address, label) => {
    expect(specialRange(address)).toBe(label);
  });

  it.each(['8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '1.1.1.1'])('%s is public', (address) => {
    expect(specialRange(address)).toBeNull();
  });
});

describe('resolveAndCheck and the pinned dial', () => {
  it('checks every address a name resolves to, and lets an exact rule through', async () => {
    expect(await resolveAndCheck('localhost', () => false)).toMatchObject({ ok: false, address: '127.0.0.1' });
    expect(await resolveAndCheck('localhost', (address) => address === '127.0.0.1')).toEqual({
      ok: true,
      target: { address: '127.0.0.1', family: 4 },
    });
    expect(await resolveAndCheck('does-not-exist.invalid', () => true)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not resolve'),
    });
  });

  it('dials the pinned address whatever name the socket is given', async () => {
    const server = net.createServer((socket) => socket.end('pinned'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (const autoSelectFamily of [false, true]) {
        const text = await new Promise<string>((resolve, reject) => {
          const socket = net.connect({
            host: 'rebinding.invalid',
            port,
            autoSelectFamily,
            lookup: pinnedLookup({ address: '127.0.0.1', family: 4 }),
          });
          let got = '';
          socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
          socket.on('end', () => resolve(got));
          socket.on('error', reject);
        });
        expect(text).toBe('pinned');
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
