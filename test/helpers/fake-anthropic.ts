import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createPublicBridge } from './public-outside';
import { makeTestCa } from './throwaway-ca';

/*
 * The Anthropic service as issue 20's tests see it: an API host and an OAuth token endpoint, served
 * over TLS by the test on the host's public-looking address of a bridge of its own
 * (test/helpers/public-outside.ts), with a CA of the test's. settings.json's `credentialUpstreams`
 * sends the gateway's (and the home refresh's) requests for api.anthropic.com and
 * platform.claude.com here; the same server, addressed by its IP, is the "other allowed host",
 * reached through a plain tunnel. It records the credential headers of every request it answers.
 */

export const API_HOST = 'api.anthropic.com';
export const TOKEN_HOST = 'platform.claude.com';

export interface SeenRequest {
  host: string;
  method: string;
  path: string;
  authorization: string | null;
  apiKey: string | null;
}

export interface FakeAnthropic {
  /** The host's address on the test's bridge. */
  readonly address: string;
  port: number;
  /** The test CA's certificate file (what `credentialUpstreams` trusts). */
  caFile: string;
  readonly seen: SeenRequest[];
  /** The login the token endpoint accepts now; a refresh rotates both tokens. */
  readonly login: { access: string; refresh: string; expiresIn: number; revoked: boolean; refreshes: number };
  /** The `credentialUpstreams` setting that sends both hosts here. */
  upstreams(): Record<string, { address: string; caFile: string }>;
  start(): Promise<void>;
}

function header(value: string | string[] | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

async function readBody(request: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** One fake service per test file block; the server and its CA file go after each test. */
export function useFakeAnthropic(block: number): FakeAnthropic {
  const address = `11.213.${block}.1`;
  let server: Server | null = null;
  let dir = '';
  let bridged = false;
  const fake: FakeAnthropic = {
    address,
    port: 0,
    caFile: '',
    seen: [],
    login: {
      access: 'sk-ant-oat01-fake-access-0',
      refresh: 'sk-ant-ort01-fake-refresh-0',
      expiresIn: 28_800,
      revoked: false,
      refreshes: 0,
    },
    upstreams: () => ({
      [`${API_HOST}:443`]: { address: `${address}:${fake.port}`, caFile: fake.caFile },
      [`${TOKEN_HOST}:443`]: { address: `${address}:${fake.port}`, caFile: fake.caFile },
    }),
    async start(): Promise<void> {
      const ca = makeTestCa('fake Anthropic CA');
      const leaf = ca.sign([API_HOST, TOKEN_HOST], [address]);
      dir = await mkdtemp(join(tmpdir(), 'claude-bottle-fake-anthropic-'));
      fake.caFile = join(dir, 'ca.pem');
      await writeFile(fake.caFile, ca.cert);
      const started = createServer({ cert: leaf.cert, key: leaf.key }, (request, response) => {
        void answer(fake, request, response);
      });
      server = started;
      await new Promise<void>((resolve) => started.listen(0, '0.0.0.0', resolve));
      fake.port = (started.address() as { port: number }).port;
      if (!bridged) await createPublicBridge(block);
      bridged = true;
    },
  };
  afterEach(async () => {
    server?.close();
    server = null;
    fake.seen.length = 0;
    Object.assign(fake.login, {
      access: 'sk-ant-oat01-fake-access-0',
      refresh: 'sk-ant-ort01-fake-refresh-0',
      revoked: false,
      refreshes: 0,
    });
    if (dir !== '') await rm(dir, { recursive: true, force: true });
    dir = '';
    // The bridge goes with the test's instance cleanup; the next test makes it again.
    bridged = false;
  });
  return fake;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function answer(fake: FakeAnthropic, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const host = header(request.headers.host) ?? '';
  const path = request.url ?? '';
  fake.seen.push({
    host,
    method: request.method ?? '',
    path,
    authorization: header(request.headers.authorization),
    apiKey: header(request.headers['x-api-key']),
  });
  if (path === '/v1/oauth/token' && request.method === 'POST') {
    let sent: { grant_type?: unknown; refresh_token?: unknown } = {};
    try {
      sent = JSON.parse(body) as typeof sent;
    } catch (error: unknown) {
      json(response, 400, { error: 'invalid_request', error_description: `not JSON: ${String(error)}` });
      return;
    }
    if (sent.grant_type !== 'refresh_token' || fake.login.revoked || sent.refresh_token !== fake.login.refresh) {
      json(response, 400, { error: 'invalid_grant', error_description: 'Refresh token not found or invalid' });
      return;
    }
    fake.login.refreshes += 1;
    fake.login.access = `sk-ant-oat01-fake-access-${fake.login.refreshes}`;
    fake.login.refresh = `sk-ant-ort01-fake-refresh-${fake.login.refreshes}`;
    json(response, 200, {
      token_type: 'Bearer',
      access_token: fake.login.access,
      refresh_token: fake.login.refresh,
      expires_in: fake.login.expiresIn,
      scope: 'user:inference user:profile',
    });
    return;
  }
  json(response, 200, { type: 'message', content: [{ type: 'text', text: 'hello from the fake service' }], host, path });
}
