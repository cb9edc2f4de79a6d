/**
 * The gateway answers a bottle's login refresh itself (issue 20; research §1c, §1d), run as the real
 * bundle with a loopback HTTPS server standing in for the token service: a `POST` to the set's
 * token path carrying the set's refresh placeholder is answered with the placeholders and never
 * reaches the service (which would refuse it, and Claude Code would then wipe the bottle's login);
 * the core is told once. Everything else on that host goes on unchanged; a bottle of no set or of
 * another set has a plain tunnel there.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTunnelClient, startRecordingServer, type RecordingServer, type TunnelClient } from '../helpers/gateway-signing';
import { GatewayProcess, useGatewayTestbed } from '../helpers/gateway-process';
import { makeTestCa, type TestCa } from '../helpers/throwaway-ca';

const TOKEN_HOST = 'platform.signed.test';
const TOKEN_PATH = '/v1/oauth/token';
const REFRESH_PH = 'sk-ant-ort01-claude-bottle-placeholder-0123456789abcdef';
const ACCESS_PH = 'sk-ant-oat01-claude-bottle-placeholder-0123456789abcdef';
const OTHER_REFRESH_PH = 'sk-ant-ort01-claude-bottle-placeholder-fedcba9876543210';
const OTHER_ACCESS_PH = 'sk-ant-oat01-claude-bottle-placeholder-fedcba9876543210';
const OTHER_VALUE = 'OTHER-SET-SECRET-do-not-leak-9393';
const CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e';
const SCOPE = 'user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload user:plugins';

let gateway: GatewayProcess;
let installationCa: TestCa;
let serviceCa: TestCa;
/** The stand-in token service (the `upstreams` override of the token host). */
let service: RecordingServer;

useGatewayTestbed(
  () => undefined,
  () => gateway,
);

beforeAll(async () => {
  installationCa = makeTestCa('claude-bottle test installation CA');
  serviceCa = makeTestCa('fake token service CA');
  service = await startRecordingServer(serviceCa.sign([TOKEN_HOST]));
});

afterAll(async () => {
  await service.close();
});

type Table = Record<string, unknown> & { sets: Array<Record<string, unknown>>; certificates: unknown[] };

function endpoint(refreshPlaceholder: string, accessPlaceholder: string): Record<string, unknown> {
  return { host: TOKEN_HOST, port: service.port, path: TOKEN_PATH, refreshPlaceholder, accessPlaceholder };
}

/**
 * Set claude: a token endpoint and no injection there (as the shipped agent). Set other: its own
 * token endpoint and an injection on the token host. Set plain: an injection elsewhere only.
 */
function credentialsTable(): Table {
  const leaf = installationCa.sign([TOKEN_HOST]);
  return {
    type: 'credentials',
    sets: [
      { set: 'claude', injections: [], tokenEndpoint: endpoint(REFRESH_PH, ACCESS_PH) },
      {
        set: 'other',
        injections: [{ host: TOKEN_HOST, port: service.port, header: 'authorization', placeholder: OTHER_ACCESS_PH, value: OTHER_VALUE }],
        tokenEndpoint: endpoint(OTHER_REFRESH_PH, OTHER_ACCESS_PH),
      },
      {
        set: 'plain',
        injections: [{ host: 'api.signed.test', port: 443, header: 'authorization', placeholder: ACCESS_PH, value: OTHER_VALUE }],
      },
    ],
    certificates: [{ host: TOKEN_HOST, cert: leaf.cert, key: leaf.key }],
    upstreams: [{ host: TOKEN_HOST, port: service.port, address: '127.0.0.1', addressPort: service.port, ca: serviceCa.cert }],
  };
}

const BOTTLES: Record<string, string> = {
  '127.0.0.1': 'bottle-a',
  '127.0.0.2': 'bottle-b',
  '127.0.0.3': 'bottle-c',
  '127.0.0.4': 'bottle-d',
  '127.0.0.5': 'bottle-e',
};

/** A (set claude), B (no set), C (set other), D (set plain), E (set ghost: not in the table); all allowed to the token host. */
async function startGateway(table: Table = credentialsTable()): Promise<void> {
  gateway = await GatewayProcess.start();
  const sets: Record<string, string | undefined> = {
    'bottle-a': 'claude',
    'bottle-b': undefined,
    'bottle-c': 'other',
    'bottle-d': 'plain',
    'bottle-e': 'ghost',
  };
  gateway.send({
    type: 'bottles',
    bottles: Object.entries(BOTTLES).map(([ip, identity]) => ({
      ip,
      identity,
      mode: 'locked',
      ...(sets[identity] === undefined ? {} : { credentialSet: sets[identity] }),
    })),
  });
  const rules = [{ scope: 'operator', effect: 'allow', pattern: `${TOKEN_HOST}:${service.port}` }];
  gateway.send({ type: 'rules', rules: Object.values(BOTTLES).map((identity) => ({ identity, rules })) });
  gateway.send(table);
  await gateway.settled('tables-in');
}

/** A bottle's TLS client to the token host: the gateway's leaf (installation CA), or the service's own through a tunnel. */
function openToken(from: string, ca: string): Promise<TunnelClient> {
  return openTunnelClient(gateway.port, `${TOKEN_HOST}:${service.port}`, { from, ca, servername: TOKEN_HOST });
}

/** A JSON POST as Claude Code's axios sends it: content-type and content-length. */
async function postJson(
  client: TunnelClient,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; headers: Record<string, unknown> }> {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const answer = await client.request(
    'POST',
    path,
    { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers },
    [bytes],
  );
  return { status: answer.status, json: JSON.parse(answer.body) as unknown, headers: answer.headers };
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

const refreshBody = (refreshToken: string, extra: Record<string, unknown> = { scope: SCOPE }): Record<string, unknown> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: CLIENT_ID,
  ...extra,
});

describe("a bottle's placeholder refresh", () => {
  it('is answered by the gateway with the placeholders, never sent on, and the core is told once for two quick refreshes', async () => {
    await startGateway();
    const before = service.seen.length;
    const client = await openToken('127.0.0.1', installationCa.cert);
    const first = await postJson(client, TOKEN_PATH, refreshBody(REFRESH_PH));
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.json).toEqual({
      token_type: 'Bearer',
      access_token: ACCESS_PH,
      refresh_token: REFRESH_PH,
      expires_in: 31536000,
      scope: SCOPE,
    });
    // No scope asked: the one a claude.ai login needs.
    const second = await postJson(client, TOKEN_PATH, refreshBody(REFRESH_PH, {}));
    expect(second.json).toEqual({
      token_type: 'Bearer',
      access_token: ACCESS_PH,
      refresh_token: REFRESH_PH,
      expires_in: 31536000,
      scope: 'user:inference',
    });
    client.close();
    // A new connection of the same bottle: answered here too.
    const again = await openToken('127.0.0.1', installationCa.cert);
    expect((await postJson(again, TOKEN_PATH, refreshBody(REFRESH_PH))).json).toMatchObject({ access_token: ACCESS_PH });
    again.close();
    expect(service.seen.slice(before)).toEqual([]);
    await gateway.next((message) => message.type === 'refresh-wanted');
    await gateway.settled('after-refreshes');
    expect(gateway.all('refresh-wanted')).toEqual([{ type: 'refresh-wanted', set: 'claude', identity: 'bottle-a' }]);
    const start = gateway.all('connection').find((message) => message.event === 'start' && message.identity === 'bottle-a');
    expect(start).toMatchObject({ host: TOKEN_HOST, port: service.port, decision: 'allow', injected: true });
    // The log names the bottle, never the placeholders.
    expect(gateway.stderr).toContain(`token refresh bottle-a -> ${TOKEN_HOST}:${service.port}: answered here`);
    expect(gateway.stderr).not.toContain(REFRESH_PH);
  });

  it("is answered with each set's own placeholders, and each set's core refresh is asked for apart", async () => {
    await startGateway();
    const before = service.seen.length;
    const fromA = await openToken('127.0.0.1', installationCa.cert);
    const fromC = await openToken('127.0.0.3', installationCa.cert);
    // C's set does not answer A's placeholder: it goes on to the service (which would refuse it).
    const crossed = await postJson(fromC, TOKEN_PATH, refreshBody(REFRESH_PH));
    expect(crossed.json).toMatchObject({ method: 'POST', url: TOKEN_PATH });
    expect((await postJson(fromC, TOKEN_PATH, refreshBody(OTHER_REFRESH_PH))).json).toMatchObject({
      access_token: OTHER_ACCESS_PH,
      refresh_token: OTHER_REFRESH_PH,
    });
    expect((await postJson(fromA, TOKEN_PATH, refreshBody(REFRESH_PH))).json).toMatchObject({ access_token: ACCESS_PH });
    fromA.close();
    fromC.close();
    expect(service.seen.slice(before).map((request) => request.bodySha256)).toEqual([sha256(JSON.stringify(refreshBody(REFRESH_PH)))]);
    await gateway.settled('two-sets');
    expect(gateway.all('refresh-wanted')).toEqual([
      { type: 'refresh-wanted', set: 'other', identity: 'bottle-c' },
      { type: 'refresh-wanted', set: 'claude', identity: 'bottle-a' },
    ]);
  });
});

describe('every other request to the token host', () => {
  it('goes on unchanged, its body re-sent, on the same connection', async () => {
    await startGateway();
    const before = service.seen.length;
    const client = await openToken('127.0.0.1', installationCa.cert);
    const large = JSON.stringify({ ...refreshBody(REFRESH_PH), padding: 'x'.repeat(100 * 1024) });
    const cases: Array<[string, string, string]> = [
      ['a real-looking refresh token', TOKEN_PATH, JSON.stringify(refreshBody('sk-ant-ort01-SOME-REAL-LOOKING-TOKEN-1234'))],
      ['another grant', TOKEN_PATH, JSON.stringify({ ...refreshBody(REFRESH_PH), grant_type: 'authorization_code', code: 'abc' })],
      ['another path', '/v1/oauth/token2', JSON.stringify(refreshBody(REFRESH_PH))],
      ['the path with a query', `${TOKEN_PATH}?x=1`, JSON.stringify(refreshBody(REFRESH_PH))],
      ['not JSON', TOKEN_PATH, `grant_type=refresh_token&refresh_token=${REFRESH_PH}`],
      ['a JSON list', TOKEN_PATH, JSON.stringify([refreshBody(REFRESH_PH)])],
      ['a body past 64 KiB', TOKEN_PATH, large],
    ];
    for (const [what, path, body] of cases) {
      const answer = await postJson(client, path, body, { 'x-note': REFRESH_PH });
      expect(answer.status, what).toBe(200);
      expect(answer.json, what).toMatchObject({ method: 'POST', url: path, bodyBytes: Buffer.byteLength(body), bodySha256: sha256(body) });
      expect((answer.json as { headers: Record<string, string> }).headers, what).toMatchObject({
        'content-type': 'application/json',
        'x-note': REFRESH_PH,
      });
    }
    // A GET, and a placeholder refresh sent in chunks with no length: the first goes on; the second is still answered here.
    const get = await client.request('GET', TOKEN_PATH, { authorization: `Bearer ${ACCESS_PH}` });
    expect(JSON.parse(get.body)).toMatchObject({ method: 'GET', url: TOKEN_PATH, headers: { authorization: `Bearer ${ACCESS_PH}` } });
    const text = JSON.stringify(refreshBody(REFRESH_PH));
    const chunked = await client.request('POST', TOKEN_PATH, { 'content-type': 'application/json' }, [
      Buffer.from(text.slice(0, 20)),
      Buffer.from(text.slice(20)),
    ]);
    expect(JSON.parse(chunked.body)).toMatchObject({ access_token: ACCESS_PH });
    client.close();
    expect(service.seen.slice(before).map((request) => request.url)).toEqual([...cases.map(([, path]) => path), TOKEN_PATH]);
    // One upstream connection carried them all (kept alive across the requests answered here).
    expect(new Set(service.seen.slice(before).map((request) => request.connection)).size).toBe(1);
    await gateway.settled('forwarded');
    expect(gateway.all('refresh-wanted')).toHaveLength(1);
  });

  it("gets the set's injections for that host, and a large body streams on whole", async () => {
    await startGateway();
    const before = service.seen.length;
    const client = await openToken('127.0.0.3', installationCa.cert);
    const answer = await postJson(client, TOKEN_PATH, refreshBody('sk-ant-ort01-SOME-REAL-LOOKING-TOKEN-1234'), {
      authorization: `Bearer ${OTHER_ACCESS_PH}`,
    });
    expect((answer.json as { headers: Record<string, string> }).headers.authorization).toBe(`Bearer ${OTHER_VALUE}`);
    const size = 8 * 1024 * 1024;
    const piece = Buffer.alloc(1 << 20, 120);
    const hash = createHash('sha256');
    for (let index = 0; index < 8; index += 1) hash.update(piece);
    const upload = await client.request(
      'POST',
      TOKEN_PATH,
      { 'content-type': 'application/json' },
      Array.from({ length: 8 }, () => piece),
    );
    expect(JSON.parse(upload.body)).toMatchObject({ bodyBytes: size, bodySha256: hash.digest('hex') });
    client.close();
    expect(service.seen.slice(before)).toHaveLength(2);
    expect(gateway.stderr).not.toContain(OTHER_VALUE);
    expect(JSON.stringify(gateway.messages)).not.toContain(OTHER_VALUE);
  });
});

describe('a bottle whose set has no token endpoint there', () => {
  it('has a plain tunnel to the token host: its refresh reaches the service as sent', async () => {
    await startGateway();
    for (const from of ['127.0.0.2', '127.0.0.4', '127.0.0.5']) {
      const before = service.seen.length;
      // The service's own certificate: nothing terminated the tunnel.
      const client = await openToken(from, serviceCa.cert);
      const answer = await postJson(client, TOKEN_PATH, refreshBody(REFRESH_PH));
      client.close();
      expect(answer.json, from).toMatchObject({
        method: 'POST',
        url: TOKEN_PATH,
        bodySha256: sha256(JSON.stringify(refreshBody(REFRESH_PH))),
      });
      expect(service.seen.slice(before), from).toHaveLength(1);
      const identity = BOTTLES[from];
      const end = await gateway.next(
        (message) => message.type === 'connection' && message.event === 'end' && message.identity === identity,
      );
      expect(end.injected, from).toBeUndefined();
    }
    await gateway.settled('tunnels');
    expect(gateway.all('refresh-wanted')).toEqual([]);
  });
});

describe('the tokenEndpoint of a credentials line', () => {
  it('is refused when malformed, and the last table is kept', async () => {
    await startGateway();
    const good = credentialsTable();
    const withEndpoint = (change: Record<string, unknown>, drop?: string): Table => {
      const tokenEndpoint: Record<string, unknown> = { ...endpoint(REFRESH_PH, ACCESS_PH), ...change };
      if (drop !== undefined) delete tokenEndpoint[drop];
      return { ...good, sets: [{ set: 'claude', injections: [], tokenEndpoint }] };
    };
    const bad: Array<[string, Table]> = [
      ['path without a leading slash', withEndpoint({ path: 'v1/oauth/token' })],
      ['path with a space', withEndpoint({ path: '/v1/oauth token' })],
      ['host not canonical', withEndpoint({ host: 'Platform.signed.test' })],
      ['host an address', withEndpoint({ host: '127.0.0.1' })],
      ['port 0', withEndpoint({ port: 0 })],
      ['short refresh placeholder', withEndpoint({ refreshPlaceholder: 'sk-ant' })],
      ['access placeholder with a line break', withEndpoint({ accessPlaceholder: `${ACCESS_PH}\r\nx` })],
      ['no access placeholder', withEndpoint({}, 'accessPlaceholder')],
      ['an unknown field', withEndpoint({ value: 'sk-ant-ort01-REAL' })],
      ['not an object', { ...good, sets: [{ set: 'claude', injections: [], tokenEndpoint: TOKEN_PATH }] }],
    ];
    for (const [what, table] of bad) {
      const from = gateway.messages.length;
      gateway.send(table);
      const error = await gateway.next((message) => message.type === 'error', 5000, from);
      expect(error.message, what).toMatch(/^control line refused: sets\.0\.tokenEndpoint/);
    }
    await gateway.settled('after-bad');
    // The first table still answers the placeholder refresh.
    const client = await openToken('127.0.0.1', installationCa.cert);
    expect((await postJson(client, TOKEN_PATH, refreshBody(REFRESH_PH))).json).toMatchObject({ access_token: ACCESS_PH });
    client.close();
  });

  it('needs a certificate for the token host: without one the CONNECT is refused with the reason', async () => {
    await startGateway({ ...credentialsTable(), certificates: [] });
    await expect(openToken('127.0.0.1', installationCa.cert)).rejects.toThrow(`CONNECT ${TOKEN_HOST}:${service.port} answered 403`);
    const refused = await gateway.next((message) => message.type === 'connection' && message.event === 'refused');
    expect(refused.reason).toBe(`no certificate for ${TOKEN_HOST}: the gateway cannot sign this request`);
  });
});
