/**
 * The gateway program (src/gateway), run as the real bundle in a child process, its control channel
 * driven from here, with loopback servers as the outside and loopback source addresses as bottles.
 * The outside is on 127.0.0.1, a loopback (special) address, so it is reached only through rules that
 * name it exactly, as the policy requires for every private target.
 */
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  echoThrough,
  GatewayProcess,
  httpsGetThrough,
  proxyConnect,
  proxyGet,
  staysSilent,
  type Outside,
  useGatewayTestbed,
} from '../helpers/gateway-process';

let outside: Outside;
let gateway: GatewayProcess;

/** The outside's three ports, allowed by exact IP (the operator's rules for all bottles): "the allowlist". */
function exactRules(ports = [outside.httpPort, outside.httpsPort, outside.echoPort]): unknown[] {
  return ports.map((port) => ({ scope: 'operator', effect: 'allow', pattern: `127.0.0.1:${port}` }));
}

async function startWith(mode: 'ask' | 'locked' | 'open', rules: unknown[] = exactRules(), args: string[] = []): Promise<void> {
  gateway = await GatewayProcess.start(['--hold-ms', '1500', ...args]);
  gateway.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1', identity: 'bottle-a', mode, agent: 'claude' }] });
  gateway.send({ type: 'rules', rules: [{ identity: 'bottle-a', rules }] });
  gateway.send({ type: 'ping', nonce: 'tables-in' });
  await gateway.next((message) => message.type === 'pong' && message.nonce === 'tables-in');
}

useGatewayTestbed(
  (started) => (outside = started),
  () => gateway,
);

describe('allowed connections', () => {
  it('passes plain HTTP, HTTPS through CONNECT and a raw TCP echo, and logs bytes each way', async () => {
    await startWith('locked');
    const plain = await proxyGet(gateway.port, `http://127.0.0.1:${outside.httpPort}/hello`);
    expect(plain.status).toBe(200);
    expect(plain.body).toBe('hello from outside GET /hello\n');

    const secureTunnel = proxyConnect(gateway.port, `127.0.0.1:${outside.httpsPort}`);
    expect(await secureTunnel.status).toBe(200);
    expect(await httpsGetThrough(secureTunnel.socket, outside.ca, '/secure')).toContain('hello from outside GET /secure');

    const echo = proxyConnect(gateway.port, `127.0.0.1:${outside.echoPort}`);
    expect(await echo.status).toBe(200);
    const payload = Buffer.alloc(300_000, 7);
    expect((await echoThrough(echo.socket, payload)).equals(payload)).toBe(true);
    echo.socket.end();
    const end = await gateway.next(
      (message) => message.type === 'connection' && message.event === 'end' && message.port === outside.echoPort,
    );
    expect(end).toMatchObject({
      identity: 'bottle-a',
      host: '127.0.0.1',
      protocol: 'connect',
      decision: 'allow',
      by: 'rule',
      bytesUp: 300_000,
      bytesDown: 300_000,
    });
    expect(gateway.all('connection').filter((message) => message.event === 'start')).toHaveLength(3);
  });
});

describe('ask mode', () => {
  it('holds an unknown target, shows it pending, and Allow lets the SAME connection through', async () => {
    await startWith('ask', []);
    const tunnel = proxyConnect(gateway.port, `LocalHost.:${outside.echoPort}`);
    const pending = await gateway.next((message) => message.type === 'pending');
    expect(pending).toMatchObject({ identity: 'bottle-a', host: 'localhost', port: outside.echoPort, protocol: 'connect' });
    expect(await staysSilent(tunnel.socket, 300)).toBe(true);
    // Allowing the host is the operator's answer; dialling a loopback address still needs the exact-IP rule.
    gateway.send({ type: 'rules', rules: [{ identity: 'bottle-a', rules: exactRules([outside.httpPort, outside.httpsPort]) }] });
    gateway.send({ type: 'decide', id: pending.id, verdict: 'allow', scope: 'once' });
    // The exact-IP rule for the echo port is absent, so the checked address is refused after the allow...
    expect(await tunnel.status).toBe(403);
    expect(await tunnel.rest).toContain(
      `localhost resolves to 127.0.0.1: 127.0.0.1:${outside.echoPort} is a loopback address: only an operator's rule naming it exactly opens it`,
    );

    // ...and with it present, the held connection itself goes through on the operator's Allow.
    gateway.send({
      type: 'rules',
      rules: [
        { identity: 'other', rules: exactRules([outside.echoPort]) },
        { identity: 'bottle-a', rules: exactRules() },
      ],
    });
    const second = proxyConnect(gateway.port, `localhost:${outside.echoPort}`);
    const secondPending = await gateway.next((message) => message.type === 'pending' && message.id !== pending.id);
    // A client may send its first bytes (a TLS ClientHello) before the tunnel is up: they are kept, in order.
    second.socket.write('early bytes, ');
    expect(await staysSilent(second.socket, 300)).toBe(true);
    gateway.send({ type: 'decide', id: secondPending.id, verdict: 'allow', scope: 'once' });
    expect(await second.status).toBe(200);
    expect((await echoThrough(second.socket, Buffer.from('same socket'), 'early bytes, same socket'.length)).toString()).toBe(
      'early bytes, same socket',
    );
    await gateway.next((message) => message.type === 'settled' && message.id === secondPending.id && message.outcome === 'allow');
    const start = await gateway.next(
      (message) => message.type === 'connection' && message.event === 'start' && message.host === 'localhost',
    );
    expect(start).toMatchObject({ by: 'operator', address: '127.0.0.1' });
    second.socket.destroy();
  });

  it('Deny answers a held plain-HTTP request with the readable 403 body', async () => {
    await startWith('ask', []);
    const answer = proxyGet(gateway.port, `http://localhost:${outside.httpPort}/secret`);
    const pending = await gateway.next((message) => message.type === 'pending');
    gateway.send({ type: 'decide', id: pending.id, verdict: 'deny', scope: 'once' });
    const refused = await answer;
    expect(refused.status).toBe(403);
    expect(refused.headers['x-claude-bottle']).toBe('denied');
    expect(refused.body).toBe(
      `claude-bottle gateway: localhost:${outside.httpPort} is not allowed for this bottle (denied by the operator). The operator can allow it with: claude-bottle allow bottle-a localhost:${outside.httpPort}\n`,
    );
    expect(outside.httpRequests).not.toContain(`localhost:${outside.httpPort} /secret`);
  });

  it('refuses a held connection nobody answers once the hold times out', async () => {
    await startWith('ask', []);
    const started = Date.now();
    const tunnel = proxyConnect(gateway.port, `localhost:${outside.echoPort}`);
    expect(await tunnel.status).toBe(403);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await tunnel.rest).toContain('no answer from the operator within 2 s');
    await gateway.next((message) => message.type === 'settled' && message.outcome === 'timeout');
  });

  it('frees the place of a held client that hangs up (CONNECT and plain HTTP alike)', async () => {
    await startWith('ask', [], ['--max-held-per-bottle', '1']);
    const tunnel = proxyConnect(gateway.port, `gone.example:443`);
    const pending = await gateway.next((message) => message.type === 'pending');
    tunnel.socket.destroy();
    await gateway.next((message) => message.type === 'settled' && message.id === pending.id && message.outcome === 'abandoned');
    const request = http.request({
      host: '127.0.0.1',
      port: gateway.port,
      path: 'http://gone.example/',
      headers: { host: 'gone.example' },
    });
    request.on('error', () => undefined);
    request.end();
    const httpPending = await gateway.next((message) => message.type === 'pending' && message.protocol === 'http');
    // A plain-HTTP client's FIN alone may be a half-close that still waits for the answer (the next
    // test); a reset is a client gone.
    request.socket?.resetAndDestroy();
    await gateway.next((message) => message.type === 'settled' && message.id === httpPending.id && message.outcome === 'abandoned');
    // The cap of one held connection is free again.
    const third = proxyConnect(gateway.port, `again.example:443`);
    await gateway.next((message) => message.type === 'pending' && message.host === 'again.example');
    third.socket.destroy();
  });

  it('a plain-HTTP client that half-closes after its request (HTTP/1.0 style, nc) still gets the answer', async () => {
    await startWith('ask');
    const halfClosed = (path: string): { answer: Promise<string> } => {
      const socket = net.connect({ host: '127.0.0.1', port: gateway.port });
      socket.write(`GET http://localhost:${outside.httpPort}${path} HTTP/1.0\r\nHost: localhost:${outside.httpPort}\r\n\r\n`);
      socket.end();
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      return { answer: new Promise((resolve) => socket.once('close', () => resolve(text))) };
    };
    const allowed = halfClosed('/half-allowed');
    const first = await gateway.next((message) => message.type === 'pending');
    gateway.send({ type: 'decide', id: first.id, verdict: 'allow', scope: 'once' });
    expect(await allowed.answer).toMatch(/^HTTP\/1\.1 200[^]*hello from outside GET \/half-allowed/);

    const denied = halfClosed('/half-denied');
    const second = await gateway.next((message) => message.type === 'pending' && message.id !== first.id);
    gateway.send({ type: 'decide', id: second.id, verdict: 'deny', scope: 'once' });
    expect(await denied.answer).toMatch(/^HTTP\/1\.1 403[^]*is not allowed for this bottle \(denied by the operator\)/);
    expect(outside.httpRequests).not.toContain(`localhost:${outside.httpPort} /half-denied`);
  });

  it('an answer scoped to the bottle lets the next connection through without asking', async () => {
    await startWith('ask');
    const first = proxyGet(gateway.port, `http://localhost:${outside.httpPort}/one`);
    const pending = await gateway.next((message) => message.type === 'pending');
    gateway.send({ type: 'decide', id: pending.id, verdict: 'allow', scope: 'bottle' });
    expect((await first).status).toBe(200);
    expect((await proxyGet(gateway.port, `http://localhost:${outside.httpPort}/two`)).status).toBe(200);
    expect(gateway.all('pending')).toHaveLength(1);
  });

  it('a rules push that now covers a held request releases it', async () => {
    await startWith('ask');
    const held = proxyGet(gateway.port, `http://localhost:${outside.httpPort}/later`);
    await gateway.next((message) => message.type === 'pending');
    gateway.send({
      type: 'rules',
      rules: [
        { identity: 'bottle-a', rules: [...exactRules(), { scope: 'bottle', effect: 'allow', pattern: `localhost:${outside.httpPort}` }] },
      ],
    });
    expect((await held).status).toBe(200);
    await gateway.next((message) => message.type === 'settled' && message.outcome === 'allow');
  });
});

describe('modes from the bottles table', () => {
  it('locked refuses an unlisted host at once; open lets it through and logs it', async () => {
    await startWith('locked');
    const started = Date.now();
    const refused = await proxyGet(gateway.port, `http://localhost:${outside.httpPort}/x`);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain(`localhost:${outside.httpPort} is not on the bottle's allowlist and the bottle is locked`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(gateway.all('pending')).toHaveLength(0);

    gateway.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'open' }] });
    gateway.send({ type: 'ping' });
    await gateway.next((message) => message.type === 'pong');
    expect((await proxyGet(gateway.port, `http://localhost:${outside.httpPort}/x`)).status).toBe(200);
    expect(await gateway.next((message) => message.type === 'connection' && message.event === 'start')).toMatchObject({
      by: 'mode',
      host: 'localhost',
    });
  });

  it('refuses a source address that is not in the table', async () => {
    await startWith('open');
    const refused = await proxyGet(gateway.port, `http://127.0.0.1:${outside.httpPort}/x`, { from: '127.0.0.3' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('the source 127.0.0.3 is not a bottle this gateway serves');
    expect(refused.body).not.toContain('claude-bottle allow');
    expect(outside.httpRequests).not.toContain(`127.0.0.1:${outside.httpPort} /x`);
  });
});
