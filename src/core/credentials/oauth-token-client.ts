import { request } from 'node:https';
import { parseJson } from '../base/parse-json';
import { credentialUpstreamFor } from './credential-upstream';

/*
 * The one request the core makes to Claude's sign-in service (issue 20): exchanging a subscription
 * login's refresh token for a new access token, from the host, never from a bottle. As Claude Code
 * makes it (research of issue 19/20): POST https://platform.claude.com/v1/oauth/token, JSON body.
 */

export const TOKEN_HOST = 'platform.claude.com';
export const TOKEN_PORT = 443;
export const TOKEN_PATH = '/v1/oauth/token';
/** Claude Code's public OAuth client (not a secret: it is in every copy of the program). */
export const CLAUDE_CODE_CLIENT_ID = '9d1c250a-e61b-44d9-88ed-5944d1962f5e';
/** What Claude Code asks for when a login names no scopes of its own (2.1.332). */
const DEFAULT_SCOPES = [
  'user:profile',
  'user:inference',
  'user:sessions:claude_code',
  'user:mcp_servers',
  'user:file_upload',
  'user:plugins',
];
/** Without it, Claude Code does not take the file as a subscription login at all. */
const INFERENCE_SCOPE = 'user:inference';

/** A slow service must not hold the set's lock (and every other refresher) for long. */
const TIMEOUT_MS = 30_000;
/** A token answer is small; anything far larger is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface RefreshedTokens {
  accessToken: string;
  /** The rotated refresh token; null when the service kept the old one. */
  refreshToken: string | null;
  expiresInSeconds: number;
  /** The scopes granted, when the answer says (and they include user:inference). */
  scopes: string[] | null;
  /** How long the refresh token lasts, when the answer says. */
  refreshExpiresInSeconds: number | null;
}

/**
 * `refused`: the service will not take this refresh token (400/401: revoked, expired, already
 * spent); signing in again is the only way back. `failed`: anything else (no network, a timeout,
 * a 5xx, an answer that makes no sense): try again later, the login may still be good.
 */
export type TokenAnswer =
  { kind: 'ok'; tokens: RefreshedTokens } | { kind: 'refused'; reason: string } | { kind: 'failed'; reason: string };

/** Text from the service or a socket as one short printable line, with no secret of ours in it. */
function oneLine(text: string, secrets: string[]): string {
  let line = text;
  for (const secret of secrets) if (secret !== '') line = line.split(secret).join('[redacted]');
  line = line.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function fieldOf(json: unknown, name: string): unknown {
  return json !== null && typeof json === 'object' && Object.hasOwn(json, name) ? (json as Record<string, unknown>)[name] : undefined;
}

/** What a refused answer says: OAuth's `error_description`, else `error`, else the status. */
function refusalReason(status: number, body: string, secrets: string[]): string {
  // Not JSON (a proxy's page): the status alone says it.
  const json = parseJson(body);
  const description = fieldOf(json, 'error_description');
  const code = fieldOf(json, 'error');
  const said = [code, description].filter((part): part is string => typeof part === 'string' && part !== '').join(': ');
  return oneLine(said === '' ? `the sign-in service answered ${status}` : said, secrets);
}

function tokensOf(body: string): RefreshedTokens | null {
  const json = parseJson(body);
  const access = fieldOf(json, 'access_token');
  const refresh = fieldOf(json, 'refresh_token');
  const expiresIn = fieldOf(json, 'expires_in');
  const scope = fieldOf(json, 'scope');
  const refreshExpiresIn = fieldOf(json, 'refresh_token_expires_in');
  if (typeof access !== 'string' || access === '' || /\s/.test(access)) return null;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return null;
  const granted = typeof scope === 'string' ? scope.split(' ').filter((entry) => entry !== '') : null;
  // The tokens are kept whatever the scopes say (the old refresh token is spent), but scopes
  // without this one would make the file no subscription login for Claude Code: the old ones stay.
  const scopes = granted !== null && granted.includes(INFERENCE_SCOPE) ? granted : null;
  return {
    accessToken: access,
    refreshToken: typeof refresh === 'string' && refresh !== '' && !/\s/.test(refresh) ? refresh : null,
    expiresInSeconds: expiresIn,
    scopes,
    refreshExpiresInSeconds:
      typeof refreshExpiresIn === 'number' && Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0 ? refreshExpiresIn : null,
  };
}

/**
 * Spends `refreshToken` once, asking for the login's own `scopes` (never more than it was
 * granted): the answer, never thrown. Sent to platform.claude.com, or where settings.json
 * `credentialUpstreams` points that host (SNI and certificate name stay the host's).
 */
export async function exchangeRefreshToken(refreshToken: string, scopes: string[] | null): Promise<TokenAnswer> {
  let upstream;
  try {
    upstream = await credentialUpstreamFor(TOKEN_HOST, TOKEN_PORT);
  } catch (error: unknown) {
    return { kind: 'failed', reason: oneLine(error instanceof Error ? error.message : String(error), [refreshToken]) };
  }
  const body = JSON.stringify({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: CLAUDE_CODE_CLIENT_ID,
    scope: (scopes !== null && scopes.length > 0 ? scopes : DEFAULT_SCOPES).join(' '),
  });
  const secrets = [refreshToken];
  return new Promise<TokenAnswer>((resolve) => {
    const sent = request(
      {
        method: 'POST',
        host: upstream?.address ?? TOKEN_HOST,
        port: upstream?.port ?? TOKEN_PORT,
        path: TOKEN_PATH,
        servername: TOKEN_HOST,
        ...(upstream?.ca ? { ca: upstream.ca } : {}),
        // Not the pool: one request now and then, and a socket kept open would keep the process up.
        agent: false,
        timeout: TIMEOUT_MS,
        headers: {
          host: TOKEN_HOST,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            response.destroy();
            resolve({ kind: 'failed', reason: 'the sign-in service sent an answer far too large for a token' });
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error: Error) => resolve({ kind: 'failed', reason: oneLine(error.message, secrets) }));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status === 400 || status === 401) {
            resolve({ kind: 'refused', reason: refusalReason(status, text, secrets) });
          } else if (status !== 200) {
            resolve({ kind: 'failed', reason: `the sign-in service answered ${status}` });
          } else {
            const tokens = tokensOf(text);
            resolve(
              tokens === null ? { kind: 'failed', reason: 'the sign-in service answered without a usable token' } : { kind: 'ok', tokens },
            );
          }
        });
      },
    );
    sent.on('timeout', () => sent.destroy(new Error(`no answer from ${TOKEN_HOST} in ${TIMEOUT_MS / 1000} s`)));
    sent.on('error', (error: Error) => resolve({ kind: 'failed', reason: oneLine(`${TOKEN_HOST}: ${error.message}`, secrets) }));
    sent.end(body);
  });
}
