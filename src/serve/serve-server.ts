import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEBSOCKET_PATH } from '../shared/browser-wire';
import { BottleError } from '../core/base/bottle-error';
import { dispatchClients, type FrontEndHandlers } from '../ipc/client-dispatch';
import type { OpenClient } from '../ipc/ipc-handlers';
import { isLoopbackHost, isSameOrigin, newToken, sessionCookie, tokenSource } from './serve-auth';
import { handleSocket } from './serve-socket';
import { defaultRendererDir, readStaticFile } from './static-files';

/** What serve needs of the core: one client session per browser tab, with its handlers and events. */
export interface ServedCore {
  openClient: OpenClient;
}

export interface ServeOptions {
  core: ServedCore;
  /** 0 picks a free port. */
  port: number;
  /** Loopback only; anything else is refused (the token is the only guard, so never expose it). */
  host?: string;
  rendererDir?: string;
  /** A handler failed in a way no operator error explains (a bug): log it. */
  onInternalError?: (error: unknown) => void;
}

export interface ServeServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_BIND = new Set(['127.0.0.1', '::1']);
const MAX_MESSAGE_BYTES = 1024 * 1024;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  // frame-ancestors only works as a header; the page's own meta CSP covers the rest.
  'Content-Security-Policy': "frame-ancestors 'none'",
};

function refuse(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The one channel a browser cannot offer. */
const SERVE_HANDLERS: FrontEndHandlers = {
  'dialog:choose-folder': async () => {
    throw new BottleError('unsupported', 'the folder picker is not available in browser mode; type or paste the folder path');
  },
};

/**
 * The one command that builds the browser app, runnable from any folder: serve is often started
 * from a project folder, not from the clone the build belongs in (out/renderer's parent's parent).
 */
function notBuilt(rendererDir: string): BottleError {
  const clone = dirname(dirname(rendererDir));
  const quoted = /^[\w@%+=:,./-]+$/.test(clone) ? clone : `'${clone.replace(/'/g, `'\\''`)}'`;
  return new BottleError(
    'not-found',
    `the browser app is not built (no ${join(rendererDir, 'index.html')}); build it with: npm --prefix ${quoted} run build`,
  );
}

/**
 * `claude-bottle serve`: the built renderer over HTTP and the IPC contract over a WebSocket, on
 * loopback only, every request guarded by a random token (URL query once, then an HttpOnly cookie).
 */
export async function startServeServer(options: ServeOptions): Promise<ServeServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_BIND.has(host)) throw new BottleError('invalid-argument', `serve binds to loopback only, not ${host}`);
  const token = newToken();
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  if (!existsSync(join(rendererDir, 'index.html'))) throw notBuilt(rendererDir);
  const internalError = (error: unknown): void => {
    process.stderr.write(`claude-bottle serve: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    options.onInternalError?.(error);
  };
  const openClient = dispatchClients(options.core.openClient, SERVE_HANDLERS, internalError);
  let port = options.port;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    handleHttp(request, response).catch((error: unknown) => {
      // A build folder gone or unreadable: said on stderr, and the browser gets a 500, not a hang.
      internalError(error);
      if (!response.headersSent) refuse(response, 500, 'Internal error: see the serve output');
      else response.destroy();
    });
  });

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isLoopbackHost(request)) return refuse(response, 403, 'Forbidden host');
    const source = tokenSource(request, token, port);
    if (source === null) return refuse(response, 401, 'Missing or wrong token: open the URL that `claude-bottle serve` printed.');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 405, 'Method not allowed');
    const url = new URL(request.url ?? '/', 'http://placeholder');
    if (source === 'query') {
      // Trade the URL token for a cookie and drop it from the address bar (and the history).
      url.searchParams.delete('token');
      response.writeHead(303, { ...SECURITY_HEADERS, 'Set-Cookie': sessionCookie(port, token), Location: `${url.pathname}${url.search}` });
      response.end();
      return;
    }
    const file = await readStaticFile(rendererDir, url.pathname);
    if (file === null) return refuse(response, 404, 'Not found');
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.contentType, 'Content-Length': file.body.length });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    if (path !== WEBSOCKET_PATH) return refuseUpgrade(socket, '404 Not Found');
    if (!isLoopbackHost(request) || !isSameOrigin(request)) return refuseUpgrade(socket, '403 Forbidden');
    if (tokenSource(request, token, port) === null) return refuseUpgrade(socket, '401 Unauthorized');
    sockets.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      handleSocket(ws, openClient, internalError);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    token,
    port,
    async close() {
      // Each socket's close event closes its client session.
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
