import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { writeTestSettings } from './test-settings';
import { throwawayTls } from './throwaway-ca';

/*
 * Claude's sign-in service for the home refresh tests (issue 20): an HTTPS server of the test on the
 * host, with a certificate for platform.claude.com from a CA made for the test, that nobody else
 * trusts. settings.json `credentialUpstreams` sends the core's request for platform.claude.com:443
 * here and trusts the CA (the same setting the gateway's tests use for the fake API). Like the
 * service, it rotates refresh tokens and refuses one spent before ("invalid_grant").
 */

export interface TokenRequest {
  host: string | undefined;
  servername: string | null;
  path: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeTokenEndpoint {
  /** Every request answered, in order. */
  readonly requests: TokenRequest[];
  /** Refresh tokens the service takes (each once); the test adds the one it stores. */
  readonly valid: Set<string>;
  /** How long each answer waits (ms): for the tests of two refreshers at once. */
  delayMs: number;
  /** Whether to send a rotated refresh token (the service does); false: only an access token. */
  rotate: boolean;
  /** The scopes each answer grants. */
  scope: string;
  /** A status every request gets (e.g. 503), before anything else; null: answers as the service. */
  failWith: number | null;
  /** Starts the server and points settings.json at it (its port, the CA's PEM file). */
  start(): Promise<{ caFile: string; port: number }>;
  /** The access token issued for the n-th accepted request (1-based). */
  accessToken(n: number): string;
}

/** One fake service per test, closed after each; `folder` holds its CA file. */
export function useFakeTokenEndpoint(folder: () => string): FakeTokenEndpoint {
  let server: Server | null = null;
  let issued = 0;
  const endpoint: FakeTokenEndpoint = {
    requests: [],
    valid: new Set<string>(),
    delayMs: 0,
    rotate: true,
    accessToken: (n) => `sk-ant-oat01-refreshed-access-${n}`,
    failWith: null,
    scope: 'user:inference user:profile',
    async start(): Promise<{ caFile: string; port: number }> {
      const { caPem, certPem, keyPem } = throwawayTls('platform.claude.com');
      const caFile = join(folder(), 'token-endpoint-ca.pem');
      await writeFile(caFile, caPem);
      const started = createServer({ cert: certPem, key: keyPem }, (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          const socket = request.socket as { servername?: string | false };
          endpoint.requests.push({
            host: request.headers.host,
            servername: typeof socket.servername === 'string' ? socket.servername : null,
            path: request.url,
            body,
          });
          const token = body.refresh_token;
          const answer = (status: number, json: Record<string, unknown>): void => {
            setTimeout(() => {
              response.writeHead(status, { 'content-type': 'application/json' });
              response.end(JSON.stringify(json));
            }, endpoint.delayMs);
          };
          if (endpoint.failWith !== null) {
            answer(endpoint.failWith, { error: 'overloaded' });
            return;
          }
          if (body.grant_type !== 'refresh_token' || typeof token !== 'string' || !endpoint.valid.has(token)) {
            answer(400, { error: 'invalid_grant', error_description: 'Refresh token not found or invalid' });
            return;
          }
          endpoint.valid.delete(token);
          issued += 1;
          const rotated = `sk-ant-ort01-rotated-${issued}-${randomBytes(6).toString('hex')}`;
          if (endpoint.rotate) endpoint.valid.add(rotated);
          else endpoint.valid.add(token);
          answer(200, {
            token_type: 'Bearer',
            access_token: endpoint.accessToken(issued),
            expires_in: 28_800,
            ...(endpoint.rotate ? { refresh_token: rotated } : {}),
            scope: endpoint.scope,
            refresh_token_expires_in: 30 * 86_400,
          });
        });
      });
      server = started;
      await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
      const { port } = started.address() as { port: number };
      await writeTestSettings({ credentialUpstreams: { 'platform.claude.com:443': { address: `127.0.0.1:${port}`, caFile } } });
      return { caFile, port };
    },
  };
  afterEach(() => {
    server?.close();
    server = null;
    issued = 0;
    endpoint.requests.length = 0;
    endpoint.valid.clear();
    endpoint.delayMs = 0;
    endpoint.rotate = true;
    endpoint.failWith = null;
    endpoint.scope = 'user:inference user:profile';
  });
  return endpoint;
}
