/**
 * The gateway program (src/gateway), run as the real bundle in a child process, its control channel
 * driven from here, with loopback servers as the outside and loopback source addresses as bottles.
 * The outside is on 127.0.0.1, a loopback (special) address, so it is reached only through rules that
 * name it exactly, as the policy requires for every private target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  echoThrough,
  GatewayProcess,
  httpsGetThrough,
  proxyConnect,
  proxyGet,
  staysSilent,
  type GatewayMessage,
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

/** A control socket stream as a core's relay opens it: lines out parsed, lines in written. */
async function openControlSocket(socketPath: string): Promise<{
  messages: GatewayMessage[];
  send(message: unknown): void;
  until(match: (message: GatewayMessage) => boolean): Promise<void>;
  close(): void;
}> {
  const socket = net.connect(socketPath);
  const messages: GatewayMessage[] = [];
  let buffered = '';
  let waiting: Array<() => void> = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) messages.push(JSON.parse(line) as GatewayMessage);
    for (const wake of waiting) wake();
  });
  const until = (match: (message: GatewayMessage) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`control socket: no match; got ${JSON.stringify(messages.slice(-5))}`)), 10_000);
      const check = (): void => {
        if (!messages.some(match)) return;
        clearTimeout(timer);
        waiting = waiting.filter((wake) => wake !== check);
        resolve();
      };
      waiting.push(check);
      check();
    });
  await until((message) => message.type === 'ready');
  return { messages, send: (message) => socket.write(`${JSON.stringify(message)}\n`), until, close: () => socket.destroy() };
}

describe('connection backlog (records kept until the recorder core acknowledges them)', () => {
  let dir: string;
  const refusedFrom = async (count: number, tag: string): Promise<void> => {
    for (let index = 0; index < count; index++)
      expect((await proxyGet(gateway.port, `http://localhost:${outside.httpPort}/${tag}-${index}`)).status).toBe(403);
  };
  /** The replay a stream that opens now gets: the header, then the records (its answer ends at `through`). */
  const replayOn = async (
    socketPath: string,
    epoch: string | null,
    after: number,
  ): Promise<{ header: GatewayMessage; records: GatewayMessage[]; stream: Awaited<ReturnType<typeof openControlSocket>> }> => {
    const stream = await openControlSocket(socketPath);
    const before = stream.messages.length;
    stream.send({ type: 'replay', epoch, after });
    await stream.until((message) => message.type === 'backlog');
    const header = stream.messages.find((message) => message.type === 'backlog') as GatewayMessage;
    const through = header.through as number;
    if ((header.from as number) <= through) await stream.until((message) => message.type === 'connection' && message.seq === through);
    const records = stream.messages.slice(before).filter((message) => message.type === 'connection');
    return { header, records, stream };
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cb-backlog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays to a stream that opens later what ended while none read, in order, and an ack lets them go', async () => {
    const socketPath = path.join(dir, 'control.sock');
    await startWith('locked', exactRules(), ['--control-socket', socketPath]);
    await refusedFrom(3, 'unread');
    const live = gateway.all('connection').filter((message) => message.event === 'refused');
    expect(live.map((message) => message.seq)).toEqual([1, 2, 3]);
    const epoch = live[0]?.epoch as string;
    expect(epoch).toMatch(/^[0-9a-f]{16}$/);

    // A core with no cursor (null epoch) gets all three, in order, after a header that says so.
    const first = await replayOn(socketPath, null, 0);
    expect(first.header).toMatchObject({ epoch, from: 1, through: 3, dropped: [] });
    expect(first.records.map((message) => [message.seq, message.host, message.event])).toEqual([
      [1, 'localhost', 'refused'],
      [2, 'localhost', 'refused'],
      [3, 'localhost', 'refused'],
    ]);
    expect(first.records.map((message) => message.reason)).toEqual(live.map((message) => message.reason));
    // A live record after the replay follows it on the same stream, with the next number.
    await refusedFrom(1, 'after-replay');
    await first.stream.until((message) => message.type === 'connection' && message.seq === 4);

    // The core wrote through 2 and says so: a stream that asks from 0 gets only what is not acknowledged.
    first.stream.send({ type: 'ack', epoch, seq: 2 });
    // Another epoch's ack (a core still on a restarted gateway's numbers) lets nothing go.
    first.stream.send({ type: 'ack', epoch: 'abcdef0123456789', seq: 4 });
    const second = await replayOn(socketPath, epoch, 0);
    expect(second.header).toMatchObject({ from: 3, through: 4, dropped: [] });
    expect(second.records.map((message) => message.seq)).toEqual([3, 4]);
    // A core whose cursor names another epoch (the gateway restarted since) gets everything kept.
    const third = await replayOn(socketPath, 'abcdef0123456789', 3);
    expect(third.records.map((message) => message.seq)).toEqual([3, 4]);
    // One at its cursor gets nothing but the header.
    const fourth = await replayOn(socketPath, epoch, 4);
    expect(fourth.header).toMatchObject({ from: 5, through: 4 });
    expect(fourth.records).toEqual([]);
    for (const replay of [first, second, third, fourth]) replay.stream.close();
    // `start` records are live notices: never numbered.
    expect(gateway.all('connection').filter((message) => message.event === 'start' && 'seq' in message)).toEqual([]);
  });

  it('past its bound drops the oldest and tells the replay how many of which bottle were lost', async () => {
    const socketPath = path.join(dir, 'control.sock');
    await startWith('locked', exactRules(), ['--control-socket', socketPath, '--backlog-records', '3']);
    await refusedFrom(5, 'bounded');
    const replay = await replayOn(socketPath, null, 0);
    expect(replay.header).toMatchObject({ from: 3, through: 5, dropped: [{ identity: 'bottle-a', count: 2 }] });
    expect(replay.records.map((message) => message.seq)).toEqual([3, 4, 5]);
    // A core that wrote through 1 lost only number 2.
    const epoch = replay.header.epoch as string;
    const after = await replayOn(socketPath, epoch, 1);
    expect(after.header).toMatchObject({ dropped: [{ identity: 'bottle-a', count: 1 }] });
    // Once acknowledged past them, the loss is no one's to report again.
    after.stream.send({ type: 'ack', epoch, seq: 5 });
    const acked = await replayOn(socketPath, epoch, 0);
    expect(acked.header).toMatchObject({ from: 6, through: 5, dropped: [] });
    for (const stream of [replay.stream, after.stream, acked.stream]) stream.close();
  });

  it('bounds the backlog by bytes as well, and refuses a malformed replay or ack', async () => {
    await startWith('locked', exactRules(), ['--backlog-bytes', '1000']);
    await refusedFrom(6, 'bytes');
    gateway.send({ type: 'replay', epoch: null, after: 0 });
    const header = await gateway.next((message) => message.type === 'backlog');
    // Each record is a few hundred bytes: at most a handful fit in 1000.
    expect(header.from as number).toBeGreaterThan(2);
    expect(header.through).toBe(6);
    expect(header.dropped).toEqual([{ identity: 'bottle-a', count: (header.from as number) - 1 }]);
    gateway.send({ type: 'ack', epoch: '../../etc', seq: 1 });
    await gateway.next((message) => message.type === 'error' && String(message.message).includes('epoch'));
    gateway.send({ type: 'replay', epoch: null, after: -1 });
    await gateway.next((message) => message.type === 'error' && String(message.message).includes('after'));
  });
});
