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

function upstreamOptions(session: SignedSession, request: http.IncomingMessage, headers: string[]): https.RequestOptions {
  return {
    host: session.host,
    port: session.dial.port,
    servername: session.host,
    // The address the CONNECT was checked and pinned to (or the operator's override): no second lookup.
    lookup: pinnedLookup(session.dial.target),
    ...(session.dial.ca === null ? {} : { ca: session.dial.ca }),
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    headers,
    // The client's own Host header goes on as sent.
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
  const headers = endToEnd(injectHeaders(request.rawHeaders, session.injections()));
  const upstream = https.request({ ...upstreamOptions(session, request, headers), agent: session.agent });
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
  const headers = endToEnd(injectHeaders(request.rawHeaders, session.injections()), new Set(['connection', 'upgrade']));
  // Its own socket: an upgraded connection is never given back to the session's pool.
  const upstream = https.request({ ...upstreamOptions(session, request, headers), agent: false });
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
