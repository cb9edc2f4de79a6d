/**
 * The gateway's address check (src/gateway/address-check.ts): every address a name resolves to goes
 * through the shared mayDial (the spellings and ranges themselves are tested with the shared module,
 * src/shared/network-address.test.ts), and the pinned lookup makes the dial go to the checked
 * address whatever the name would resolve to by then (no DNS-rebinding window).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { pinnedLookup, resolveAndCheck } from '../../src/gateway/address-check';
import { mayDial, parseRuleList } from '../../src/shared/network-policy';

/** The shared mayDial on a port with these operator rules, as the gateway calls it. */
function dialCheck(port: number, allow: string[] = []): (address: string) => ReturnType<typeof mayDial> {
  const parsed = parseRuleList(allow, 'operator', 'allow');
  if (!parsed.ok) throw new Error(parsed.error);
  return (address) => mayDial(address, port, parsed.value);
}

describe('resolveAndCheck and the pinned dial', () => {
  it('checks every address a name resolves to, and lets an exact rule through', async () => {
    expect(await resolveAndCheck('localhost', dialCheck(80))).toEqual({
      ok: false,
      reason: "localhost resolves to 127.0.0.1: 127.0.0.1:80 is a loopback address: only an operator's rule naming it exactly opens it",
      address: '127.0.0.1',
    });
    expect(await resolveAndCheck('localhost', dialCheck(80, ['127.0.0.1:443']))).toMatchObject({ ok: false, address: '127.0.0.1' });
    expect(await resolveAndCheck('localhost', dialCheck(80, ['127.0.0.1:80']))).toEqual({
      ok: true,
      target: { address: '127.0.0.1', family: 4 },
    });
    // An IP literal is checked as itself, in its canonical form; one never dialled stays refused.
    expect(await resolveAndCheck('::ffff:127.0.0.1', dialCheck(80, ['127.0.0.1:80']))).toEqual({
      ok: true,
      target: { address: '127.0.0.1', family: 4 },
    });
    expect(await resolveAndCheck('169.254.169.254', dialCheck(80))).toMatchObject({
      ok: false,
      reason: '169.254.169.254:80 is a metadata address, never dialled',
    });
    expect(await resolveAndCheck('does-not-exist.invalid', dialCheck(80))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not resolve'),
      address: null,
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
