/**
 * The gateway against hostile bottles: Host headers that differ from the target, private and
 * loopback targets in every spelling, oversized headers, a thousand held connections, unknown
 * sources and a garbled control channel. Each refusal is one readable line, and nothing refused
 * reaches the outside server.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { GatewayProcess, proxyConnect, proxyGet, type Outside, useGatewayTestbed, type Tunnel } from '../helpers/gateway-process';

let outside: Outside;
let gateway: GatewayProcess;

async function startWith(bottles: unknown[], rules: unknown[], args: string[] = []): Promise<void> {
  gateway = await GatewayProcess.start(['--hold-ms', '20000', ...args]);
  gateway.send({ type: 'bottles', bottles });
  gateway.send({ type: 'rules', rules });
  gateway.send({ type: 'ping', nonce: 'tables-in' });
  await gateway.next((message) => message.type === 'pong' && message.nonce === 'tables-in');
}

const openBottle = { ip: '127.0.0.1', identity: 'bottle-a', mode: 'open' };

/** The operator's exact-address rule for one port of the loopback outside, for these bottles. */
function allowOutside(port: number, identities = ['bottle-a']): unknown[] {
  return identities.map((identity) => ({ identity, rules: [{ scope: 'operator', effect: 'allow', pattern: `127.0.0.1:${port}` }] }));
}

useGatewayTestbed(
  (started) => (outside = started),
  () => gateway,
);

describe('Host header', () => {
  it('refuses a plain-HTTP request whose Host differs from the URL, or that carries two', async () => {
    await startWith([openBottle], allowOutside(outside.httpPort));
    const url = `http://127.0.0.1:${outside.httpPort}/vhost`;
    const other = await proxyGet(gateway.port, url, { headers: { host: 'internal.example' } });
    expect(other.status).toBe(400);
    expect(other.body).toContain(`the Host header "internal.example" differs from the target 127.0.0.1:${outside.httpPort}`);
    const otherPort = await proxyGet(gateway.port, url, { headers: { host: `127.0.0.1:${outside.httpPort + 1}` } });
    expect(otherPort.status).toBe(400);
    expect(outside.httpRequests.filter((line) => line.endsWith(' /vhost'))).toEqual([]);
    expect((await proxyGet(gateway.port, url)).status).toBe(200);
  });

  it('refuses a CONNECT whose Host names another host', async () => {
    await startWith([openBottle], allowOutside(outside.echoPort));
    const tunnel = proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`, { hostHeader: 'evil.example:443' });
    expect(await tunnel.status).toBe(400);
    expect(await tunnel.rest).toContain('differs from the target');
    const bare = proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`, { hostHeader: null });
    expect(await bare.status).toBe(200);
    bare.socket.destroy();
  });
});

describe('private, loopback and link-local targets', () => {
  /** CONNECT from an open bottle; the answer's status and body. */
  async function tryConnect(target: string): Promise<{ status: number; body: string }> {
    const tunnel: Tunnel = proxyConnect(gateway.port, target);
    const status = await tunnel.status;
    if (status === 200) {
      tunnel.socket.destroy();
      return { status, body: '' };
    }
    return { status, body: await tunnel.rest };
  }

  it('refuses them even in open mode, in every spelling, unless a rule names the exact address', async () => {
    await startWith([openBottle], []);
    const port = outside.echoPort;
    const loopback = `127.0.0.1:${port} is a loopback address: only an operator's rule naming it exactly opens it`;
    const cases: Array<[string, string]> = [
      [`127.0.0.1:${port}`, loopback],
      [`localhost:${port}`, `localhost resolves to 127.0.0.1: ${loopback}`],
      [`2130706433:${port}`, '2130706433 is 127.0.0.1 (a loopback address) written another way: only 127.0.0.1 is dialled'],
      [`0x7f.1:${port}`, 'written another way'],
      [`0177.0.0.1:${port}`, 'written another way'],
      [`[::1]:${port}`, `[::1]:${port} is a loopback address`],
      [`[::ffff:127.0.0.1]:${port}`, loopback],
      [`[::ffff:7f00:1]:${port}`, loopback],
      [`[::127.0.0.1]:${port}`, 'is a reserved address'],
      [`[64:ff9b::7f00:1]:${port}`, 'is a loopback address'],
      [`[::ffff:10.0.0.1]:443`, '10.0.0.1:443 is a private address'],
      [`[2002:7f00:1::1]:${port}`, 'is a loopback address'],
      [`[fe80::1]:${port}`, 'is a link-local address'],
      [`[fd00:ec2::254]:80`, '[fd00:ec2::254]:80 is a metadata address, never dialled'],
      [`169.254.169.254:80`, '169.254.169.254:80 is a metadata address, never dialled'],
      [`100.100.100.200:80`, 'is a metadata address, never dialled'],
      [`100.64.0.1:80`, 'is a cgnat address'],
      [`10.0.0.1:22`, 'is a private address'],
      [`192.168.1.1:80`, 'is a private address'],
      [`172.17.0.1:2375`, 'is a private address'],
      [`0.0.0.0:${port}`, 'is a unspecified address, never dialled'],
      [`224.0.0.1:80`, 'is a multicast address, never dialled'],
    ];
    for (const [target, reason] of cases) {
      const answer = await tryConnect(target);
      expect(answer.status, target).toBe(403);
      expect(answer.body, target).toContain(reason);
    }
    // Refused before any dial: the echo server saw nobody (each refusal is on the record instead).
    expect(gateway.all('connection').filter((message) => message.event === 'start')).toEqual([]);
    expect(gateway.all('connection').filter((message) => message.event === 'refused')).toHaveLength(cases.length);
  });

  it('dials a private address only when a rule names that exact address and port', async () => {
    await startWith([openBottle], allowOutside(outside.echoPort));
    expect((await tryConnect(`127.0.0.1:${outside.echoPort}`)).status).toBe(200);
    expect((await tryConnect(`localhost:${outside.echoPort}`)).status).toBe(200);
    // The same address on another port, or the rule for another bottle: refused.
    expect((await tryConnect(`127.0.0.1:${outside.httpPort}`)).status).toBe(403);
    gateway.send({ type: 'rules', rules: allowOutside(outside.echoPort, ['bottle-b']) });
    gateway.send({ type: 'ping' });
    await gateway.next((message) => message.type === 'pong');
    const other = await tryConnect(`127.0.0.1:${outside.echoPort}`);
    expect(other.status).toBe(403);
    expect(other.body).toContain(`claude-bottle allow bottle-a 127.0.0.1:${outside.echoPort}`);
  });
});

describe('floods and oversized input', () => {
  it('refuses request heads over the size cap before they reach the policy', async () => {
    await startWith([openBottle], allowOutside(outside.httpPort), ['--max-header-bytes', '8192']);
    const socket = net.connect({ host: '127.0.0.1', port: gateway.port });
    socket.write(
      `GET http://127.0.0.1:${outside.httpPort}/huge HTTP/1.1\r\nHost: 127.0.0.1:${outside.httpPort}\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(outside.httpRequests.filter((line) => line.endsWith(' /huge'))).toEqual([]);
    expect(gateway.stderr).toMatch(/refused 127\.0\.0\.1: bad request \(HPE_HEADER_OVERFLOW\)/);
  });

  it('holds at most the per-bottle and total caps out of a thousand CONNECTs, refusing the rest with a reason', async () => {
    const bottles = [
      { ip: '127.0.0.1', identity: 'bottle-a', mode: 'ask' },
      { ip: '127.0.0.2', identity: 'bottle-b', mode: 'ask' },
    ];
    await startWith(bottles, [], ['--max-held-per-bottle', '200', '--max-held-total', '300']);
    const fromA = Array.from({ length: 800 }, (_, index) =>
      proxyConnect(gateway.port, `held-${index % 5}.example:443`, { from: '127.0.0.1' }),
    );
    const fromB = Array.from({ length: 200 }, () => proxyConnect(gateway.port, 'held-b.example:443', { from: '127.0.0.2' }));
    const refusedA = fromA.map((tunnel) => tunnel.status);
    const refusedB = fromB.map((tunnel) => tunnel.status);
    // 600 of A's and 100 of B's come back at once with 429; the others stay held.
    await gateway.next(() => gateway.all('connection').filter((message) => message.by === 'limit').length >= 700, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const settledNow = async (statuses: Array<Promise<number>>): Promise<number[]> =>
      Promise.all(statuses.map((status) => Promise.race([status, new Promise<number>((resolve) => setTimeout(() => resolve(0), 50))])));
    const nowA = await settledNow(refusedA);
    const nowB = await settledNow(refusedB);
    expect(nowA.filter((status) => status === 429)).toHaveLength(600);
    expect(nowA.filter((status) => status === 0)).toHaveLength(200);
    expect(nowB.filter((status) => status === 429)).toHaveLength(100);
    expect(nowB.filter((status) => status === 0)).toHaveLength(100);
    const limit = gateway.all('connection').find((message) => message.by === 'limit');
    expect(String(limit?.reason)).toMatch(/already (has|holds) \d+ connections waiting for the operator/);
    // One pending request per bottle and host:port, however many clients wait on it.
    expect(gateway.all('pending')).toHaveLength(6);

    // Taking B out of the table refuses its held connections; denying A's releases the rest.
    gateway.send({ type: 'bottles', bottles: [bottles[0]] });
    for (const pending of gateway.all('pending').filter((message) => message.identity === 'bottle-a')) {
      gateway.send({ type: 'decide', id: pending.id, verdict: 'deny', scope: 'once' });
    }
    const finalA = await Promise.all(refusedA);
    const finalB = await Promise.all(refusedB);
    expect(finalA.filter((status) => status === 403)).toHaveLength(200);
    expect(finalB.filter((status) => status === 403)).toHaveLength(100);
    for (const tunnel of [...fromA, ...fromB]) tunnel.socket.destroy();
  });
});

describe('open sockets', () => {
  it('caps the sockets one bottle holds open, answering the excess with a 429, and leaves other bottles alone', async () => {
    const bottles = [
      { ip: '127.0.0.1', identity: 'bottle-a', mode: 'open' },
      { ip: '127.0.0.2', identity: 'bottle-b', mode: 'open' },
    ];
    await startWith(bottles, allowOutside(outside.echoPort, ['bottle-a', 'bottle-b']), ['--max-sockets-per-bottle', '50']);
    const tunnels = Array.from({ length: 50 }, () => proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`));
    expect(new Set(await Promise.all(tunnels.map((tunnel) => tunnel.status)))).toEqual(new Set([200]));
    const over = proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`);
    expect(await over.status).toBe(429);
    expect(await over.rest).toContain('already has 50 connections open');
    const otherBottle = proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`, { from: '127.0.0.2' });
    expect(await otherBottle.status).toBe(200);
    otherBottle.socket.destroy();
    // Closing tunnels frees places again.
    tunnels[0]!.socket.destroy();
    // The end of A's tunnel, not of B's (closed just before, and on the record too).
    await gateway.next((message) => message.type === 'connection' && message.event === 'end' && message.source === '127.0.0.1');
    const again = proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`);
    expect(await again.status).toBe(200);
    for (const tunnel of [...tunnels, again]) tunnel.socket.destroy();
  });
});

describe('open sockets of every bottle together', () => {
  it('caps them in total, so bottles at their own caps cannot together exhaust the gateway, and frees places as they close', async () => {
    const bottles = ['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((ip, index) => ({ ip, identity: `bottle-${index}`, mode: 'open' }));
    const rules = allowOutside(outside.echoPort, ['bottle-0', 'bottle-1', 'bottle-2']);
    await startWith(bottles, rules, ['--max-sockets-per-bottle', '4', '--max-sockets-total', '6']);
    const target = `127.0.0.1:${outside.echoPort}`;
    const fromA = Array.from({ length: 4 }, () => proxyConnect(gateway.port, target));
    const fromB = Array.from({ length: 2 }, () => proxyConnect(gateway.port, target, { from: '127.0.0.2' }));
    expect(new Set(await Promise.all([...fromA, ...fromB].map((tunnel) => tunnel.status)))).toEqual(new Set([200]));
    // B is under its own cap, C has nothing open: the total refuses both, with the reason.
    for (const from of ['127.0.0.2', '127.0.0.3']) {
      const over = proxyConnect(gateway.port, target, { from });
      expect(await over.status, from).toBe(429);
      expect(await over.rest).toContain('the gateway already has 6 connections open from all bottles');
    }
    fromA[0]!.socket.destroy();
    await gateway.next((message) => message.type === 'connection' && message.event === 'end' && message.source === '127.0.0.1');
    const again = proxyConnect(gateway.port, target, { from: '127.0.0.3' });
    expect(await again.status).toBe(200);
    for (const tunnel of [...fromA, ...fromB, again]) tunnel.socket.destroy();
  });
});

describe('the control channel', () => {
  it('answers bad lines with one error each and changes nothing', async () => {
    await startWith([openBottle], allowOutside(outside.httpPort));
    const before = gateway.messages.length;
    gateway.send('not json');
    gateway.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'wide-open' }] });
    gateway.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1; rm -rf /', identity: 'bottle-a', mode: 'open' }] });
    gateway.send({ type: 'rules', rules: [], extra: true });
    gateway.send({ type: 'rules', rules: [{ identity: 'bottle-a', rules: [{ scope: 'operator', effect: 'allow', pattern: '*' }] }] });
    gateway.send({
      type: 'rules',
      rules: [{ identity: 'bottle-a', rules: [{ scope: 'definition', effect: 'allow', pattern: `127.0.0.1:${outside.httpPort}` }] }],
    });
    gateway.send({ type: 'decide', id: 'p-404', verdict: 'allow', scope: 'once' });
    gateway.send(
      `{"type":"rules","rules":[${'{"identity":"b","rules":[{"scope":"operator","effect":"allow","pattern":"a.example:1"}]},'.repeat(15_000)}]}`,
    );
    gateway.send({ type: 'ping', nonce: 'after' });
    await gateway.next((message) => message.type === 'pong' && message.nonce === 'after', 10_000, before);
    const errors = gateway.messages.slice(before).filter((message) => message.type === 'error');
    expect(errors.map((message) => String(message.message))).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('bottles.0.mode'),
      expect.stringContaining('bottles.0.ip'),
      expect.stringContaining('control line refused'),
      expect.stringMatching(/rules\.0\.rules\.0\.pattern: .*a bare \* would allow every host/),
      expect.stringMatching(/rules\.0\.rules\.0\.pattern: .*an agent definition cannot open a loopback address/),
      'no pending request p-404 (already settled?)',
      expect.stringContaining('longer than 1048576 bytes'),
    ]);
    // The tables are still the last good ones: the open bottle reaches the allowed address.
    expect((await proxyGet(gateway.port, `http://127.0.0.1:${outside.httpPort}/still`)).status).toBe(200);
  });
});
