/**
 * The gateway signs requests (issue 20), run as the real bundle in a child process with loopback
 * HTTPS servers as the upstreams: a CONNECT from a bottle whose credential set has an injection for
 * that host:port is terminated with the host's leaf (signed by a throwaway "installation" CA), the
 * placeholder in the named headers becomes the value, and the request goes on to the upstream the
 * `upstreams` entry names (its own throwaway CA). Everything else stays a tunnel and the placeholder
 * leaves as itself. The value never shows in the gateway's log or records.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chunks, openTunnelClient, startRecordingServer, type RecordingServer, type TunnelClient } from '../helpers/gateway-signing';
import { GatewayProcess, proxyConnect, useGatewayTestbed } from '../helpers/gateway-process';
import { makeTestCa, type TestCa } from '../helpers/throwaway-ca';

const HOST = 'api.signed.test';
const PLACEHOLDER = 'sk-ant-oat01-claude-bottle-placeholder-0123456789abcdef';
const KEY_PLACEHOLDER = 'sk-ant-api03-claude-bottle-placeholder-fedcba9876543210';
const VALUE = 'sk-ant-oat01-REAL-SECRET-VALUE-do-not-leak-4242';
const KEY_VALUE = 'sk-ant-api03-REAL-SECRET-KEY-do-not-leak-1717';
const OTHER_PLACEHOLDER = 'claude-bottle-placeholder-00aa11bb22cc33dd';
const OTHER_VALUE = 'OTHER-SET-SECRET-do-not-leak-9393';
const SECRETS = [VALUE, KEY_VALUE, OTHER_VALUE];

let gateway: GatewayProcess;
let installationCa: TestCa;
let upstreamCa: TestCa;
/** The fake API the injection host's requests go to (the `upstreams` override). */
let api: RecordingServer;
/** Another allowed host, reached through a plain tunnel at 127.0.0.1. */
let other: RecordingServer;

useGatewayTestbed(
  () => undefined,
  () => gateway,
);

beforeAll(async () => {
  installationCa = makeTestCa('claude-bottle test installation CA');
  upstreamCa = makeTestCa('fake upstream CA');
  api = await startRecordingServer(upstreamCa.sign([HOST]));
  other = await startRecordingServer(upstreamCa.sign(['localhost'], ['127.0.0.1']));
});

afterAll(async () => {
  await api.close();
  await other.close();
});

function credentialsTable(overrides: { value?: string; certificates?: unknown[]; ca?: string } = {}): Record<string, unknown> {
  const leaf = installationCa.sign([HOST]);
  return {
    type: 'credentials',
    sets: [
      {
        set: 'claude',
        injections: [
          { host: HOST, port: api.port, header: 'authorization', placeholder: PLACEHOLDER, value: overrides.value ?? VALUE },
          { host: HOST, port: api.port, header: 'x-api-key', placeholder: KEY_PLACEHOLDER, value: KEY_VALUE },
        ],
      },
      {
        set: 'other',
        injections: [{ host: HOST, port: api.port, header: 'authorization', placeholder: OTHER_PLACEHOLDER, value: OTHER_VALUE }],
      },
    ],
    certificates: overrides.certificates ?? [{ host: HOST, cert: leaf.cert, key: leaf.key }],
    upstreams: [{ host: HOST, port: api.port, address: '127.0.0.1', addressPort: api.port, ca: overrides.ca ?? upstreamCa.cert }],
  };
}

/** Bottle A (set claude), B (no set) and C (set other), each allowed to the fake API and to the other host. */
async function startGateway(table: Record<string, unknown> | null = credentialsTable()): Promise<void> {
  gateway = await GatewayProcess.start();
  gateway.send({
    type: 'bottles',
    bottles: [
      { ip: '127.0.0.1', identity: 'bottle-a', mode: 'locked', agent: 'claude', credentialSet: 'claude' },
      { ip: '127.0.0.2', identity: 'bottle-b', mode: 'locked', agent: 'claude' },
      { ip: '127.0.0.3', identity: 'bottle-c', mode: 'locked', agent: 'claude', credentialSet: 'other' },
    ],
  });
  const rules = [`${HOST}:${api.port}`, `127.0.0.1:${other.port}`].map((pattern) => ({ scope: 'operator', effect: 'allow', pattern }));
  gateway.send({ type: 'rules', rules: ['bottle-a', 'bottle-b', 'bottle-c'].map((identity) => ({ identity, rules })) });
  if (table !== null) gateway.send(table);
  await gateway.settled('tables-in');
}

const signedHeaders = { authorization: `Bearer ${PLACEHOLDER}`, 'x-api-key': KEY_PLACEHOLDER, 'x-note': PLACEHOLDER };

/** The gateway process's peak resident memory so far (Linux). */
function peakMemoryKiB(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${gateway.child.pid}/status`, 'utf8'))?.[1]);
}

/** Nothing the gateway wrote (its log, every control line) holds a secret value. */
function expectNoSecretOut(): void {
  const everything = `${gateway.stderr}\n${JSON.stringify(gateway.messages)}`;
  for (const secret of SECRETS) expect(everything).not.toContain(secret);
}

describe('signing requests to an injection host', () => {
  it('replaces the placeholder in the named headers only, on every request of a kept-alive connection, and marks the records', async () => {
    await startGateway();
    const before = api.seen.length;
    const client = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
    });
    for (let round = 0; round < 3; round += 1) {
      const answer = await client.request('GET', `/v1/messages?round=${round}`, signedHeaders);
      expect(answer.status).toBe(200);
    }
    client.close();
    const seen = api.seen.slice(before);
    expect(seen).toHaveLength(3);
    for (const request of seen) {
      expect(request.headers.authorization).toBe(`Bearer ${VALUE}`);
      expect(request.headers['x-api-key']).toBe(KEY_VALUE);
      // A header no injection names goes on as sent.
      expect(request.headers['x-note']).toBe(PLACEHOLDER);
    }
    // One client connection, one upstream connection kept alive under it.
    expect(client.connections()).toBe(1);
    expect(new Set(seen.map((request) => request.connection)).size).toBe(1);
    const end = await gateway.next(
      (message) => message.type === 'connection' && message.event === 'end' && message.identity === 'bottle-a',
    );
    const start = gateway.all('connection').find((message) => message.event === 'start' && message.identity === 'bottle-a');
    expect(start).toMatchObject({ host: HOST, port: api.port, protocol: 'connect', decision: 'allow', injected: true });
    expect(end).toMatchObject({ host: HOST, port: api.port, injected: true });
    expect(end.bytesUp as number).toBeGreaterThan(0);
    expect(end.bytesDown as number).toBeGreaterThan(0);
    expectNoSecretOut();
  });

  it('sends a placeholder to any other allowed host as the placeholder (a plain tunnel)', async () => {
    await startGateway();
    const before = other.seen.length;
    // The tunnel reaches the other server itself: the client checks ITS certificate, not a gateway leaf.
    const client = await openTunnelClient(gateway.port, `127.0.0.1:${other.port}`, {
      from: '127.0.0.1',
      ca: upstreamCa.cert,
      servername: 'localhost',
    });
    expect((await client.request('GET', '/elsewhere', signedHeaders)).status).toBe(200);
    client.close();
    expect(other.seen.slice(before)).toMatchObject([{ headers: { authorization: `Bearer ${PLACEHOLDER}`, 'x-api-key': KEY_PLACEHOLDER } }]);
    const end = await gateway.next((message) => message.type === 'connection' && message.event === 'end' && message.port === other.port);
    expect(end.injected).toBeUndefined();
    expectNoSecretOut();
  });

  it('gives no injection to a bottle without a credential set, and only its own set to a bottle of another', async () => {
    await startGateway();
    const before = api.seen.length;
    // Bottle B: no set, a plain tunnel to the same host (the upstreams override still applies): the upstream's own certificate.
    const plain = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.2', ca: upstreamCa.cert, servername: HOST });
    expect((await plain.request('GET', '/from-b', signedHeaders)).status).toBe(200);
    plain.close();
    // Bottle C: set "other" signs this host with its own placeholder only; claude's placeholders stay.
    const otherSet = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.3',
      ca: installationCa.cert,
      servername: HOST,
    });
    const fromC = { authorization: `Bearer ${PLACEHOLDER}`, 'x-api-key': KEY_PLACEHOLDER };
    expect((await otherSet.request('GET', '/from-c', fromC)).status).toBe(200);
    expect((await otherSet.request('GET', '/from-c-own', { authorization: `Bearer ${OTHER_PLACEHOLDER}` })).status).toBe(200);
    otherSet.close();
    // B's tunnel was relayed to the override address: its bytes are counted, and it is not marked signed.
    const endB = await gateway.next(
      (message) => message.type === 'connection' && message.event === 'end' && message.identity === 'bottle-b',
    );
    expect(endB).toMatchObject({ host: HOST, address: '127.0.0.1' });
    expect(endB.injected).toBeUndefined();
    expect(endB.bytesUp as number).toBeGreaterThan(0);
    expect(endB.bytesDown as number).toBeGreaterThan(0);
    const seen = api.seen.slice(before);
    expect(seen.map((request) => [request.url, request.headers.authorization, request.headers['x-api-key']])).toEqual([
      ['/from-b', `Bearer ${PLACEHOLDER}`, KEY_PLACEHOLDER],
      ['/from-c', `Bearer ${PLACEHOLDER}`, KEY_PLACEHOLDER],
      ['/from-c-own', `Bearer ${OTHER_VALUE}`, undefined],
    ]);
    expectNoSecretOut();
  });

  it("shows the host's leaf, which a client trusts only with the installation CA", async () => {
    await startGateway();
    // Node's root CAs alone, and the upstream's CA: neither signed the gateway's leaf.
    await expect(
      openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.1', ca: undefined, servername: HOST }),
    ).rejects.toThrow(/certificate/i);
    await expect(
      openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.1', ca: upstreamCa.cert, servername: HOST }),
    ).rejects.toThrow(/certificate/i);
    const trusted = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
    });
    expect((await trusted.request('GET', '/trusted', signedHeaders)).status).toBe(200);
    trusted.close();
    expectNoSecretOut();
  });

  it('agrees HTTP/1.1 only (ALPN) and signs an upgrade, then relays its bytes', async () => {
    await startGateway();
    const only2 = openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
      alpn: ['h2'],
    });
    await expect(only2).rejects.toThrow(/application protocol/);
    const client = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
      alpn: ['h2', 'http/1.1'],
    });
    expect(client.alpn).toBe('http/1.1');
    const before = api.seen.length;
    const payload = Buffer.alloc(200_000, 5);
    expect((await client.upgrade('/socket', { authorization: `Bearer ${PLACEHOLDER}` }, payload)).equals(payload)).toBe(true);
    client.close();
    expect(api.seen.slice(before)).toMatchObject([{ url: '/socket', headers: { authorization: `Bearer ${VALUE}`, upgrade: 'echo' } }]);
    expectNoSecretOut();
  });

  it('streams a large body each way without holding it, and counts its bytes', async () => {
    await startGateway();
    const size = 128 * 1024 * 1024;
    const client = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
    });
    // Warm: the first signed request has made every buffer a request needs.
    expect((await client.request('GET', '/warm', signedHeaders)).status).toBe(200);
    const peakBefore = peakMemoryKiB();
    const up = await client.request('POST', '/upload', signedHeaders, chunks(size));
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body)).toMatchObject({ bodyBytes: size, headers: { authorization: `Bearer ${VALUE}` } });
    const down = await client.request('GET', `/big?${size}`, signedHeaders);
    expect(down.bytes).toBe(size);
    client.close();
    const end = await gateway.next(
      (message) => message.type === 'connection' && message.event === 'end' && message.identity === 'bottle-a',
    );
    expect(end.bytesUp as number).toBeGreaterThanOrEqual(size);
    expect(end.bytesDown as number).toBeGreaterThanOrEqual(size);
    // Streamed, not buffered: the gateway's peak memory grew by far less than the 128 MiB that passed each way (a buffered body would need all of it).
    const grownKiB = peakMemoryKiB() - peakBefore;
    expect(grownKiB).toBeLessThan(size / 1024 / 2);
    expectNoSecretOut();
  }, 60_000);
});

/** Bottle A's signed connection written byte by byte, as a hostile agent would; `answers()` is all that came back. */
async function rawSignedConnection(): Promise<{ write(text: string): void; answers(): string }> {
  const tunnel = proxyConnect(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.1' });
  expect(await tunnel.status).toBe(200);
  const secure = tls.connect({ socket: tunnel.socket, servername: HOST, ca: installationCa.cert });
  await once(secure, 'secureConnect');
  let answers = '';
  secure.on('data', (chunk: Buffer) => (answers += chunk.toString('latin1')));
  return { write: (text) => secure.write(text), answers: () => answers };
}

describe('a signed request is framed and addressed by the gateway, not by the bottle (attack replay)', () => {
  it("keeps a GET's chunked body its body: a request smuggled in it never carries the next request's signed header upstream", async () => {
    await startGateway();
    const before = api.seen.length;
    const connection = await rawSignedConnection();
    const smuggled = `POST /echo HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 119\r\n\r\n`;
    connection.write(
      `GET /a HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`,
    );
    await vi.waitFor(() => expect(api.seen.length).toBe(before + 1));
    connection.write(`GET /b HTTP/1.1\r\nHost: ${HOST}\r\nAuthorization: Bearer ${PLACEHOLDER}\r\n\r\n`);
    await vi.waitFor(() => expect(api.seen.length).toBe(before + 2));
    const [first, second] = api.seen.slice(before);
    expect(first).toMatchObject({ method: 'GET', url: '/a', bodyBytes: smuggled.length });
    expect(second).toMatchObject({ method: 'GET', url: '/b', bodyBytes: 0 });
    expect(second?.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(api.seen.some((request) => request.url === '/echo')).toBe(false);
    expectNoSecretOut();
  });

  it("sends the session's own Host, and refuses another host's absolute-form target and TRACE before anything goes upstream", async () => {
    await startGateway();
    const before = api.seen.length;
    const connection = await rawSignedConnection();
    connection.write(`GET /c HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${PLACEHOLDER}\r\n\r\n`);
    await vi.waitFor(() => expect(api.seen.length).toBe(before + 1));
    expect(api.seen.at(-1)?.headers.host).toBe(`${HOST}:${api.port}`);
    connection.write(`GET http://evil.example/x HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${PLACEHOLDER}\r\n\r\n`);
    await vi.waitFor(() => expect(connection.answers()).toMatch(/HTTP\/1\.1 400 [^]*evil\.example/));
    const trace = await rawSignedConnection();
    trace.write(`TRACE / HTTP/1.1\r\nHost: ${HOST}\r\nAuthorization: Bearer ${PLACEHOLDER}\r\n\r\n`);
    await vi.waitFor(() => expect(trace.answers()).toMatch(/HTTP\/1\.1 400 [^]*TRACE is not sent/));
    expect(api.seen.length).toBe(before + 1);
    expectNoSecretOut();
  });
});

describe('the policy decides first', () => {
  it('refuses an injection host no rule allows, and signs one the operator allows while it is held', async () => {
    gateway = await GatewayProcess.start(['--hold-ms', '5000']);
    gateway.send({
      type: 'bottles',
      bottles: [
        { ip: '127.0.0.1', identity: 'bottle-a', mode: 'ask', credentialSet: 'claude' },
        { ip: '127.0.0.2', identity: 'bottle-l', mode: 'locked', credentialSet: 'claude' },
      ],
    });
    gateway.send(credentialsTable());
    await gateway.settled('no-rules');
    const before = api.seen.length;
    // Locked, no rule: refused like any other host, never terminated.
    await expect(
      openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.2', ca: installationCa.cert, servername: HOST }),
    ).rejects.toThrow('answered 403');
    // Ask: held until the operator answers, then the same connection is signed.
    const opening = openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.1', ca: installationCa.cert, servername: HOST });
    const pending = await gateway.next((message) => message.type === 'pending' && message.host === HOST);
    gateway.send({ type: 'decide', id: pending.id, verdict: 'allow', scope: 'once' });
    const client = await opening;
    expect((await client.request('GET', '/after-ask', signedHeaders)).status).toBe(200);
    client.close();
    expect(api.seen.slice(before)).toMatchObject([{ url: '/after-ask', headers: { authorization: `Bearer ${VALUE}` } }]);
    expect(gateway.all('connection').find((message) => message.event === 'start')).toMatchObject({ by: 'operator', injected: true });
    expectNoSecretOut();
  });
});

describe('the real host (no upstreams entry)', () => {
  it("dials the name's checked address and trusts Node's root CAs only", async () => {
    // "localhost" signed for set claude, with no override: its DNS answer, checked by the policy, then TLS against the roots.
    const leaf = installationCa.sign(['localhost']);
    gateway = await GatewayProcess.start();
    gateway.send({ type: 'bottles', bottles: [{ ip: '127.0.0.1', identity: 'bottle-a', mode: 'locked', credentialSet: 'claude' }] });
    const allow = (patterns: string[]): unknown => ({
      type: 'rules',
      rules: [{ identity: 'bottle-a', rules: patterns.map((pattern) => ({ scope: 'operator', effect: 'allow', pattern })) }],
    });
    gateway.send(allow([`localhost:${other.port}`]));
    gateway.send({
      type: 'credentials',
      sets: [
        {
          set: 'claude',
          injections: [{ host: 'localhost', port: other.port, header: 'authorization', placeholder: PLACEHOLDER, value: VALUE }],
        },
      ],
      certificates: [{ host: 'localhost', cert: leaf.cert, key: leaf.key }],
      upstreams: [],
    });
    await gateway.settled('real-host');
    const open = (): Promise<TunnelClient> =>
      openTunnelClient(gateway.port, `localhost:${other.port}`, { from: '127.0.0.1', ca: installationCa.cert, servername: 'localhost' });
    // The name resolves to a loopback address no rule names exactly: refused before any dial.
    await expect(open()).rejects.toThrow('answered 403');
    gateway.send(allow([`localhost:${other.port}`, `127.0.0.1:${other.port}`]));
    await gateway.settled('address-allowed');
    const before = other.seen.length;
    const client = await open();
    const answer = await client.request('GET', '/real', signedHeaders);
    client.close();
    // Dialled, but the server's private CA is not among Node's roots: nothing was sent to it.
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/could not be reached \(.*certificate/i);
    expect(other.seen.slice(before)).toEqual([]);
    expectNoSecretOut();
  });
});

describe('the credentials line', () => {
  it('refuses a bad table with a one-line reason and keeps the last one', async () => {
    await startGateway();
    const good = credentialsTable() as {
      sets: Array<{ injections: Array<Record<string, unknown>> }>;
      certificates: Array<Record<string, unknown>>;
    };
    const [set] = good.sets;
    const [injection] = set?.injections ?? [];
    const [certificate] = good.certificates;
    const bad: Array<[string, unknown]> = [
      ['upper-case header', { ...good, sets: [{ set: 'claude', injections: [{ ...injection, header: 'Authorization' }] }] }],
      ['value with a line break', { ...good, sets: [{ set: 'claude', injections: [{ ...injection, value: 'x\r\nx-evil: 1' }] }] }],
      ['host not canonical', { ...good, sets: [{ set: 'claude', injections: [{ ...injection, host: 'API.signed.test' }] }] }],
      ['short placeholder', { ...good, sets: [{ set: 'claude', injections: [{ ...injection, placeholder: 'Bearer' }] }] }],
      ['framing header', { ...good, sets: [{ set: 'claude', injections: [{ ...injection, header: 'content-length' }] }] }],
      ['not PEM', { ...good, certificates: [{ ...certificate, cert: 'hello' }] }],
      ['leaf of another host', { ...good, certificates: [{ ...certificate, cert: installationCa.sign(['elsewhere.test']).cert }] }],
      ['key of another leaf', { ...good, certificates: [{ ...certificate, key: installationCa.sign([HOST]).key }] }],
      ['ca not PEM', { ...good, upstreams: [{ host: HOST, port: api.port, address: '127.0.0.1', addressPort: api.port, ca: 'x' }] }],
      [
        'address not canonical',
        { ...good, upstreams: [{ host: HOST, port: api.port, address: '127.000.0.1', addressPort: api.port, ca: null }] },
      ],
    ];
    for (const [what, table] of bad) {
      const from = gateway.messages.length;
      gateway.send(table);
      const error = await gateway.next((message) => message.type === 'error', 5000, from);
      expect(error.message, what).toMatch(/^control line refused: /);
      expect(String(error.message), what).not.toContain('\n');
    }
    // A line that is not JSON at all: its reason quotes none of the text (it could be a value).
    const from = gateway.messages.length;
    const secretPart = VALUE.slice('sk-ant-oat01-'.length);
    gateway.send(`${secretPart}, "sets": []}`);
    const notJson = await gateway.next((message) => message.type === 'error', 5000, from);
    expect(notJson.message).toMatch(/^control line is not JSON: /);
    expect(gateway.stderr + JSON.stringify(notJson)).not.toContain(secretPart.slice(0, 6));
    await gateway.settled('after-bad');
    // The first table still signs.
    const client = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
    });
    const answer = JSON.parse((await client.request('GET', '/still', signedHeaders)).body) as { headers: Record<string, string> };
    expect(answer.headers.authorization).toBe(`Bearer ${VALUE}`);
    // A good new table (a refreshed token) applies at the next request of the same connection.
    gateway.send(credentialsTable({ value: 'sk-ant-oat01-REFRESHED-value-1' }));
    await gateway.settled('refreshed');
    const refreshed = JSON.parse((await client.request('GET', '/refreshed', signedHeaders)).body) as { headers: Record<string, string> };
    expect(refreshed.headers.authorization).toBe('Bearer sk-ant-oat01-REFRESHED-value-1');
    client.close();
    expectNoSecretOut();
  });

  it('refuses a CONNECT to an injection host it has no certificate for, with the reason', async () => {
    await startGateway(credentialsTable({ certificates: [] }));
    await expect(
      openTunnelClient(gateway.port, `${HOST}:${api.port}`, { from: '127.0.0.1', ca: installationCa.cert, servername: HOST }),
    ).rejects.toThrow(`CONNECT ${HOST}:${api.port} answered 403`);
    const refused = await gateway.next((message) => message.type === 'connection' && message.event === 'refused');
    expect(refused.reason).toBe(`no certificate for ${HOST}: the gateway cannot sign this request`);
  });

  it('answers 502 with a one-line reason when the upstream is not trusted, and logs no header', async () => {
    // The upstreams entry trusts the installation CA, which did not sign the fake API's certificate.
    await startGateway(credentialsTable({ ca: installationCa.cert }));
    const client = await openTunnelClient(gateway.port, `${HOST}:${api.port}`, {
      from: '127.0.0.1',
      ca: installationCa.cert,
      servername: HOST,
    });
    const answer = await client.request('GET', '/untrusted', signedHeaders);
    client.close();
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(
      new RegExp(`^claude-bottle gateway: ${HOST}:${api.port} could not be reached \\(.*certificate.*\\)\\.\\n$`, 'i'),
    );
    expect(gateway.stderr).toMatch(/signed request bottle-a -> api\.signed\.test:\d+ failed upstream: .*certificate/i);
    expect(gateway.stderr).not.toContain(PLACEHOLDER);
    expectNoSecretOut();
  });
});
