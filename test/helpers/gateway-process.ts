/**
 * The gateway program as the tests drive it: the real bundle (built from the sources into a temp
 * folder), run by node as a child process, its control channel on stdio; and the "outside" it
 * dials: an HTTP server, an HTTPS server with a throwaway certificate (openssl), a TCP echo, all on
 * loopback. A bottle is a loopback source address (127.0.0.1, 127.0.0.2, …) in the bottles table.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll } from 'vitest';

export type GatewayMessage = Record<string, unknown> & { type: string };

let bundle: string | null = null;
let bundleDir: string | null = null;

/** Builds src/gateway into one CJS file once per test file, as `npm run build` does. */
export function gatewayBundle(): string {
  if (bundle !== null) return bundle;
  bundleDir = mkdtempSync(path.join(tmpdir(), 'cb-gateway-'));
  bundle = path.join(bundleDir, 'gateway.cjs');
  execFileSync(process.execPath, ['scripts/build-gateway.mjs', bundle], { stdio: 'inherit' });
  return bundle;
}

export function removeGatewayBundle(): void {
  if (bundleDir !== null) rmSync(bundleDir, { recursive: true, force: true });
  bundle = null;
  bundleDir = null;
}

export class GatewayProcess {
  readonly messages: GatewayMessage[] = [];
  stderr = '';
  private listeners: Array<() => void> = [];

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    public port = 0,
  ) {
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        this.messages.push(JSON.parse(buffered.slice(0, newline)) as GatewayMessage);
        buffered = buffered.slice(newline + 1);
        for (const listener of [...this.listeners]) listener();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
  }

  static async start(args: string[] = []): Promise<GatewayProcess> {
    const child = spawn(process.execPath, [gatewayBundle(), '--host', '127.0.0.1', '--port', '0', ...args], { stdio: 'pipe' });
    const gateway = new GatewayProcess(child);
    const ready = await gateway.next((message) => message.type === 'ready');
    gateway.port = ready.port as number;
    return gateway;
  }

  send(message: unknown): void {
    this.child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** The first message (already received or still to come) that matches, after `from` messages. */
  next(match: (message: GatewayMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<GatewayMessage> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const found = this.messages.slice(from).find(match);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        resolve(found);
        return true;
      };
      const check = (): void => void look();
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((listener) => listener !== check);
        reject(
          new Error(
            `no matching gateway message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}; stderr ${this.stderr}`,
          ),
        );
      }, timeoutMs);
      if (!look()) this.listeners.push(check);
    });
  }

  /** Calls `listener` with every message from now on, in order. */
  onMessage(listener: (message: GatewayMessage) => void): void {
    let seen = this.messages.length;
    this.listeners.push(() => {
      while (seen < this.messages.length) listener(this.messages[seen++] as GatewayMessage);
    });
  }

  /** Messages of one type sent so far. */
  all(type: string): GatewayMessage[] {
    return this.messages.filter((message) => message.type === type);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

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

export interface Tunnel {
  socket: net.Socket;
  /** The status line's code, or null while no answer came. */
  status: Promise<number>;
  /** Everything after the status line and headers, until the gateway closes (for a refusal's body). */
  rest: Promise<string>;
}

/** Opens a CONNECT from a bottle's source address; the socket is the tunnel once the status is 200. */
export function proxyConnect(gatewayPort: number, target: string, options: { from?: string; hostHeader?: string | null } = {}): Tunnel {
  const socket = net.connect({ host: '127.0.0.1', port: gatewayPort, localAddress: options.from ?? '127.0.0.1' });
  const hostHeader =
    options.hostHeader === undefined ? `Host: ${target}\r\n` : options.hostHeader === null ? '' : `Host: ${options.hostHeader}\r\n`;
  socket.write(`CONNECT ${target} HTTP/1.1\r\n${hostHeader}\r\n`);
  let head = '';
  let settleStatus: (code: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => (settleStatus = resolve));
  let after = '';
  const rest = new Promise<string>((resolve) => socket.once('close', () => resolve(after)));
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    socket.off('data', onData);
    settleStatus(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0));
    const extra = head.slice(end + 4);
    if (extra !== '') after += extra;
    socket.on('data', (more: Buffer) => (after += more.toString('utf8')));
  };
  socket.on('data', onData);
  socket.on('error', () => settleStatus(-1));
  socket.once('close', () => settleStatus(-1));
  return { socket, status, rest };
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
