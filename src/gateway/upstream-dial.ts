/**
 * A signed request's way on (issue 20): its headers with the placeholders replaced (only in the
 * headers an injection names), the hop-by-hop ones dropped, sent over TLS to the real host (SNI =
 * host; Node's root CAs, or the `upstreams` entry's CA) at the address the CONNECT was checked and
 * pinned to, the body streamed both ways (never held whole). A failure before the answer is a 502
 * with a one-line reason; the log line names the bottle and the host, never a header.
 */
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { pinnedLookup } from './address-check';
import { injectHeaders } from './credential-table';
import { REFUSAL_HEADER } from './refusal';
import type { SignedSession } from './tls-terminator';

/** Headers that belong to one hop (RFC 9110 §7.6.1), not to the request the upstream gets. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // Answered here already (Node's server sends the 100 Continue itself).
  'expect',
]);

/** An error's text on one line, for the log and a 502's body. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** rawHeaders without the hop-by-hop ones (and those the Connection header names), `keep` excepted. */
function endToEnd(rawHeaders: readonly string[], keep: ReadonlySet<string> = new Set()): string[] {
  const named = new Set<string>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2)
    if (rawHeaders[index]?.toLowerCase() === 'connection')
      for (const token of (rawHeaders[index + 1] ?? '').split(',')) named.add(token.trim().toLowerCase());
  const out: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    if ((HOP_BY_HOP.has(name) || named.has(name)) && !keep.has(name)) continue;
    out.push(rawHeaders[index] ?? '', rawHeaders[index + 1] ?? '');
  }
  return out;
}

/** Methods a signed connection never carries on: TRACE would echo the signed headers back, CONNECT would open a tunnel past them. */
const REFUSED_METHODS = new Set(['TRACE', 'CONNECT']);

/** The host (and port, when not 443) the session was opened for: the only Host a signed request goes with. */
function sessionAuthority(session: SignedSession): string {
  return session.port === 443 ? session.host : `${session.host}:${session.port}`;
}

/**
 * Where a signed request goes on the session's host: its origin-form path, or why it is refused.
 * An absolute-form target must name the session's own host and port (an origin server routes by
 * it, so a signed request could otherwise reach another tenant of a shared front).
 */
function signedPath(session: SignedSession, request: http.IncomingMessage): { path: string } | { problem: string } {
  const method = request.method ?? 'GET';
  if (REFUSED_METHODS.has(method)) return { problem: `${method} is not sent on a connection the gateway signs` };
  const target = request.url ?? '/';
  if (target.startsWith('/')) return { path: target };
  if (!URL.canParse(target)) return { problem: 'the request target is neither a path nor a URL' };
  const url = new URL(target);
  const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
  if (url.hostname.toLowerCase() !== session.host || port !== session.port)
    return { problem: `the request names ${url.host}, not ${sessionAuthority(session)}, the host this connection was opened for` };
  return { path: `${url.pathname}${url.search}` };
}

/**
 * The headers a signed request goes on with: placeholders replaced, hop-by-hop ones dropped, the
 * session's own Host, and the body's framing kept. A body that came chunked is sent chunked: without
 * the header, Node sends a GET's body unframed, and the upstream would read it as a next request
 * (one the bottle wrote, with the following signed request as its body).
 */
function signedHeaders(session: SignedSession, request: http.IncomingMessage, keep?: ReadonlySet<string>): string[] {
  const passed = endToEnd(injectHeaders(request.rawHeaders, session.injections()), keep);
  const headers: string[] = ['Host', sessionAuthority(session)];
  for (let index = 0; index + 1 < passed.length; index += 2)
    if ((passed[index] ?? '').toLowerCase() !== 'host') headers.push(passed[index] ?? '', passed[index + 1] ?? '');
  if (request.headers['transfer-encoding'] !== undefined) headers.push('Transfer-Encoding', 'chunked');
  return headers;
}

function upstreamOptions(session: SignedSession, request: http.IncomingMessage, path: string, headers: string[]): https.RequestOptions {
  return {
    host: session.host,
    port: session.dial.port,
    servername: session.host,
    // The address the CONNECT was checked and pinned to (or the operator's override): no second lookup.
    lookup: pinnedLookup(session.dial.target),
    ...(session.dial.ca === null ? {} : { ca: session.dial.ca }),
    method: request.method ?? 'GET',
    path,
    headers,
    // signedHeaders gives the Host: the session's, whatever the client wrote.
    setHost: false,
  };
}

function failureText(error: NodeJS.ErrnoException): string {
  const code = error.code === undefined ? '' : `${error.code}: `;
  return oneLine(`${code}${error.message}`);
}

function logFailure(session: SignedSession, log: (line: string) => void, reason: string): void {
  log(`signed request ${session.identity} -> ${session.host}:${session.port} failed upstream: ${reason}`);
}

function badGatewayBody(session: SignedSession, reason: string): string {
  return `claude-bottle gateway: ${session.host}:${session.port} could not be reached (${reason}).\n`;
}

/**
 * Sends one request of a signed connection on and streams its answer back. `read`: the start of its
 * body, already read from the request (token-endpoint.ts looked at it), sent first; the rest follows.
 */
export function forwardRequest(
  session: SignedSession,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  log: (line: string) => void,
  read: readonly Buffer[] = [],
): void {
  const target = signedPath(session, request);
  if ('problem' in target) {
    log(`signed request ${session.identity} -> ${session.host}:${session.port} refused: ${target.problem}`);
    response.writeHead(400, {
      'content-type': 'text/plain; charset=utf-8',
      [REFUSAL_HEADER]: 'signed-request-refused',
      connection: 'close',
    });
    response.end(`claude-bottle gateway: ${target.problem}.\n`);
    return;
  }
  const headers = signedHeaders(session, request);
  const upstream = https.request({ ...upstreamOptions(session, request, target.path, headers), agent: session.agent });
  upstream.on('socket', (socket: net.Socket) => session.sockets.add(socket));
  upstream.on('response', (answer: http.IncomingMessage) => {
    response.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
    answer.pipe(response);
    answer.on('error', () => response.destroy());
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    const reason = failureText(error);
    logFailure(session, log, reason);
    if (response.headersSent) return void response.destroy();
    response.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', [REFUSAL_HEADER]: 'upstream-failed' });
    response.end(badGatewayBody(session, reason));
  });
  // The client went away mid-answer (or mid-body): the upstream request goes too.
  response.on('close', () => {
    if (!response.writableFinished) upstream.destroy();
  });
  for (const chunk of read) upstream.write(chunk);
  if (request.readableEnded) upstream.end();
  else request.pipe(upstream);
}

/** The head of a response as written on a raw socket (an upgrade's 101, or its refusal). */
function responseHead(status: number, message: string, rawHeaders: readonly string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) lines.push(`${rawHeaders[index] ?? ''}: ${rawHeaders[index + 1] ?? ''}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** An upgrade (a websocket) on a signed connection: its request signed like any other, then bytes both ways. */
export function forwardUpgrade(
  session: SignedSession,
  request: http.IncomingMessage,
  client: net.Socket,
  head: Buffer,
  log: (line: string) => void,
): void {
  const target = signedPath(session, request);
  if ('problem' in target) {
    log(`signed request ${session.identity} -> ${session.host}:${session.port} refused: ${target.problem}`);
    const body = `claude-bottle gateway: ${target.problem}.\n`;
    client.end(`${responseHead(400, 'Bad Request', ['Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close'])}${body}`);
    return;
  }
  const headers = signedHeaders(session, request, new Set(['connection', 'upgrade']));
  // Its own socket: an upgraded connection is never given back to the session's pool.
  const upstream = https.request({ ...upstreamOptions(session, request, target.path, headers), agent: false });
  upstream.on('socket', (socket: net.Socket) => session.sockets.add(socket));
  upstream.on('upgrade', (answer: http.IncomingMessage, socket: net.Socket, upstreamHead: Buffer) => {
    client.write(responseHead(answer.statusCode ?? 101, answer.statusMessage ?? 'Switching Protocols', answer.rawHeaders));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (head.length > 0) socket.write(head);
    socket.on('error', () => client.destroy());
    client.on('error', () => socket.destroy());
    socket.pipe(client);
    client.pipe(socket);
  });
  upstream.on('response', (answer: http.IncomingMessage) => {
    // Not upgraded: the answer goes back as it came, and the connection ends with it.
    client.write(
      responseHead(answer.statusCode ?? 502, answer.statusMessage ?? '', [...endToEnd(answer.rawHeaders), 'Connection', 'close']),
    );
    answer.pipe(client);
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    const reason = failureText(error);
    logFailure(session, log, reason);
    const body = badGatewayBody(session, reason);
    client.end(`${responseHead(502, 'Bad Gateway', ['Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close'])}${body}`);
  });
  client.on('close', () => upstream.destroy());
  upstream.end();
}
