/**
 * A bottle's login refresh, answered by the gateway itself (issue 20). A bottle holds only
 * placeholders; when the API refuses a request (401) Claude Code force-refreshes its login with the
 * placeholder refresh token, and the real token service answers `invalid_grant`, upon which Claude
 * Code wipes the bottle's login for good (research §1d, run B). So on a connection the gateway
 * terminated for the set's token endpoint, a `POST` to exactly its path whose JSON body is a
 * `refresh_token` grant with the set's refresh placeholder is answered here with the placeholders
 * again (a year's expiry, the asked scope echoed: run B3 kept working), never sent on, and the core
 * is asked to refresh the real login at home. Every other request goes on as it came, its body
 * (read here up to a cap, to look at it) sent first; a larger body is sent on as is, streamed.
 */
import type http from 'node:http';
import type { TokenEndpoint } from './credentials-message';
import type { SignedSession } from './tls-terminator';
import { forwardRequest } from './upstream-dial';

/** The most of a body read to look for the placeholder: a refresh is a few hundred bytes. */
export const MAX_REFRESH_BODY_BYTES = 64 * 1024;
/** A year: the bottle's agent has no reason to refresh again soon; the core keeps the real login fresh. */
const PLACEHOLDER_EXPIRES_IN = 31_536_000;
/** The scope answered when the request names none: the one a login needs to count as a claude.ai login. */
const DEFAULT_SCOPE = 'user:inference';

/** The body read so far, and whether it is whole (false: it passed the cap, the rest is still in the request). */
interface ReadBody {
  chunks: Buffer[];
  whole: boolean;
}

/** Reads the request's body up to the cap; past it, stops reading (paused) and hands over what it has. */
function readUpTo(request: http.IncomingMessage, cap: number, done: (body: ReadBody) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    size += chunk.length;
    if (size <= cap) return;
    // Paused before the listener goes, so no byte is lost before the rest is piped on.
    request.pause();
    stop();
    done({ chunks, whole: false });
  };
  const onEnd = (): void => {
    stop();
    done({ chunks, whole: true });
  };
  // The client went away mid-body: there is nothing to answer, nor anything to send on.
  const onGone = (): void => stop();
  const stop = (): void => {
    request.off('data', onData);
    request.off('end', onEnd);
    request.off('error', onGone);
    request.off('aborted', onGone);
  };
  request.on('data', onData);
  request.on('end', onEnd);
  request.on('error', onGone);
  request.on('aborted', onGone);
}

/** The refresh's scope when `body` is a refresh grant carrying `endpoint`'s placeholder; null for anything else. */
export function placeholderRefreshScope(body: string, endpoint: TokenEndpoint): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error: unknown) {
    // Not JSON (JSON.parse's one failure, a SyntaxError): not a refresh answered here; it goes on as it came.
    if (error instanceof SyntaxError) return null;
    throw error;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const grant = parsed as Record<string, unknown>;
  if (grant.grant_type !== 'refresh_token' || grant.refresh_token !== endpoint.refreshPlaceholder) return null;
  return typeof grant.scope === 'string' ? grant.scope : DEFAULT_SCOPE;
}

/** The token service's answer, with the placeholders: the bottle's login stays what it was, a year ahead. */
function answerRefresh(response: http.ServerResponse, endpoint: TokenEndpoint, scope: string): void {
  const body = JSON.stringify({
    token_type: 'Bearer',
    access_token: endpoint.accessPlaceholder,
    refresh_token: endpoint.refreshPlaceholder,
    expires_in: PLACEHOLDER_EXPIRES_IN,
    scope,
  });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  response.end(body);
}

/** One request of a terminated connection: a placeholder refresh answered here, anything else sent on. */
export function serveSignedRequest(
  session: SignedSession,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  log: (line: string) => void,
): void {
  const endpoint = session.tokenEndpoint();
  if (endpoint === null || request.method !== 'POST' || request.url !== endpoint.path)
    return forwardRequest(session, request, response, log);
  readUpTo(request, MAX_REFRESH_BODY_BYTES, ({ chunks, whole }) => {
    const scope = whole ? placeholderRefreshScope(Buffer.concat(chunks).toString('utf8'), endpoint) : null;
    if (scope === null) return forwardRequest(session, request, response, log, chunks);
    // Names the bottle and the host only: the placeholders are the bottle's, but a log is no place for token-shaped text.
    log(`token refresh ${session.identity} -> ${session.host}:${session.port}: answered here with the placeholders`);
    answerRefresh(response, endpoint, scope);
    session.refreshAnswered();
  });
}
