/**
 * The gateway program as the tests drive it: the real bundle (built from the sources into a temp
 * folder), run by node as a child process, its control channel on stdio (gateway-child.ts); the
 * test file's hooks; and the "outside" it
 * dials: an HTTP server, an HTTPS server with a throwaway certificate (openssl), a TCP echo, all on
 * loopback. A bottle is a loopback source address (127.0.0.1, 127.0.0.2, …) in the bottles table.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type GatewayProcess, gatewayBundle, removeGatewayBundle } from './gateway-child';

export { GatewayProcess, gatewayBundle, proxyConnect, removeGatewayBundle, type GatewayMessage, type Tunnel } from './gateway-child';

/**
 * A test file's hooks: the bundle built and the outside started once (handed to `started`), the
 * gateway a test started (`current`) stopped after it, and both removed at the end.
 */
export function useGatewayTestbed(started: (outside: Outside) => void, current: () => GatewayProcess | undefined): void {
  let outside: Outside | undefined;
  beforeAll(async () => {
    gatewayBundle();
    outside = await startOutside();
    started(outside);
  });
  afterEach(async () => {
    await current()?.stop();
  });
  afterAll(async () => {
    await outside?.close();
    removeGatewayBundle();
  });
}

export interface Outside {
  httpPort: number;
  httpsPort: number;
  echoPort: number;
  ca: string;
  /** Requests the HTTP server saw: a refused request must never reach it. */
  httpRequests: string[];
  close(): Promise<void>;
}

/** The outside world: HTTP (GET /big?n streams n bytes), HTTPS (self-signed for "localhost"), TCP echo. */
export async function startOutside(): Promise<Outside> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-outside-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      `${dir}/key.pem`,
      '-out',
      `${dir}/cert.pem`,
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(`${dir}/key.pem`, 'utf8');
  const cert = readFileSync(`${dir}/cert.pem`, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const httpRequests: string[] = [];
  const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    httpRequests.push(`${request.headers.host ?? ''} ${request.url ?? ''}`);
    const big = /^\/big\?(\d+)$/.exec(request.url ?? '');
    if (big !== null) {
      const total = Number(big[1]);
      response.setHeader('content-length', total);
      const chunk = Buffer.alloc(1 << 20, 97);
      let sent = 0;
      const write = (): void => {
        while (sent < total) {
          const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += part.length;
          if (!response.write(part)) return void response.once('drain', write);
        }
        response.end();
      };
      write();
      return;
    }
    response.end(`hello from outside ${request.method ?? ''} ${request.url ?? ''}\n`);
  };
  const plain = http.createServer(handler);
  const secure = https.createServer({ key, cert }, handler);
  const echo = net.createServer((socket) => socket.pipe(socket));
  const listen = (server: net.Server): Promise<number> =>
    new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  const [httpPort, httpsPort, echoPort] = [await listen(plain), await listen(secure), await listen(echo)];
  return {
    httpPort,
    httpsPort,
    echoPort,
    ca: cert,
    httpRequests,
    close: async () => {
      for (const server of [plain, secure]) server.closeAllConnections();
      await Promise.all([plain, secure, echo].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

export interface ProxyAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain-HTTP proxy request from a bottle's source address. */
export function proxyGet(
  gatewayPort: number,
  url: string,
  options: { from?: string; headers?: Record<string, string> } = {},
): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: gatewayPort,
        path: url,
        method: 'GET',
        localAddress: options.from ?? '127.0.0.1',
        headers: { host: new URL(url).host, ...options.headers },
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Sends bytes through an open tunnel to the echo server and waits until `expected` bytes (default: as many) came back. */
export function echoThrough(socket: net.Socket, payload: Buffer, expected = payload.length): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      got += chunk.length;
      if (got >= expected) {
        socket.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(payload);
  });
}

/** A GET over TLS inside an open tunnel, checking the outside's certificate against its own CA. */
export function httpsGetThrough(socket: net.Socket, ca: string, pathName: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket, ca, servername: 'localhost' }, () => {
      secure.write(`GET ${pathName} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    secure.setEncoding('utf8');
    secure.on('data', (chunk: string) => (text += chunk));
    secure.on('end', () => resolve(text));
    secure.on('error', reject);
  });
}

/** True when nothing arrives on the socket for `ms` (a held connection stays silent). */
export function staysSilent(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onData = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      socket.off('data', onData);
      resolve(true);
    }, ms);
    socket.once('data', onData);
  });
}
