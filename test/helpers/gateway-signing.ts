/**
 * What the gateway's credential tests (issue 20) talk to, all on loopback: HTTPS "upstreams" that
 * record every request they get (its headers as they arrived, its body's size, which connection
 * carried it), and a bottle's HTTPS client inside a CONNECT tunnel of the gateway that checks the
 * certificate it is shown against a given CA and keeps its connection alive between requests.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import { proxyConnect } from './gateway-child';
import type { Issued } from './throwaway-ca';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  /** The body's SHA-256 (hex): what arrived, byte for byte, without keeping it. */
  bodySha256: string;
  /** The upstream connection's client port: equal for requests on one kept-alive connection. */
  connection: number;
}

export interface RecordingServer {
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** An HTTPS server with `certificate`: GET /big?N streams N bytes; anything else answers what it saw, as JSON. */
export async function startRecordingServer(certificate: Issued): Promise<RecordingServer> {
  const seen: SeenRequest[] = [];
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    let bodyBytes = 0;
    const hash = createHash('sha256');
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      hash.update(chunk);
    });
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        bodyBytes,
        bodySha256: hash.digest('hex'),
        connection: request.socket.remotePort ?? 0,
      };
      seen.push(entry);
      const big = /^\/big\?(\d+)$/.exec(request.url ?? '');
      if (big === null) return void response.end(JSON.stringify(entry));
      const total = Number(big[1]);
      response.setHeader('content-length', total);
      Readable.from(chunks(total)).pipe(response);
    });
  });
  // An upgrade ("echo"): recorded like a request, answered 101, then every byte sent back.
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      bodyBytes: 0,
      bodySha256: createHash('sha256').digest('hex'),
      connection: socket.remotePort ?? 0,
    });
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
  return {
    port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** `total` bytes in 1 MiB pieces, made as they are read. */
export function* chunks(total: number): Generator<Buffer> {
  const piece = Buffer.alloc(1 << 20, 98);
  for (let sent = 0; sent < total; sent += piece.length) yield piece.subarray(0, Math.min(piece.length, total - sent));
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  bytes: number;
}

export interface TunnelClient {
  /** One request on the kept-alive TLS connection; `body` is streamed when given. */
  request(method: string, path: string, headers?: Record<string, string>, body?: Iterable<Buffer>): Promise<Answer>;
  /** An upgrade to the "echo" protocol with these headers; resolves with what came back for `payload`. */
  upgrade(path: string, headers: Record<string, string>, payload: Buffer): Promise<Buffer>;
  /** How many TLS connections the client opened (1 while keep-alive holds). */
  connections(): number;
  /** The application protocol agreed in the handshake (false or null: none). */
  alpn: string | false | null;
  close(): void;
}

/**
 * A CONNECT to `target` from the bottle address `from`, then TLS inside it checked against `ca`
 * for `servername`; rejects when the CONNECT is refused or the certificate is not trusted.
 */
export async function openTunnelClient(
  gatewayPort: number,
  target: string,
  options: { from: string; ca: string | undefined; servername: string; alpn?: string[] },
): Promise<TunnelClient> {
  const tunnel = proxyConnect(gatewayPort, target, { from: options.from });
  const status = await tunnel.status;
  if (status !== 200) throw new Error(`CONNECT ${target} answered ${status}: ${await tunnel.rest}`);
  const secure = tls.connect({
    socket: tunnel.socket,
    servername: options.servername,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.alpn === undefined ? {} : { ALPNProtocols: options.alpn }),
  });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  let opened = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // Every request of this client goes on the one TLS socket made above.
  agent.createConnection = (): net.Socket => {
    opened += 1;
    return secure;
  };
  return {
    request: (method, path, headers = {}, body) =>
      new Promise((resolve, reject) => {
        const request = http.request({ agent, method, path, headers: { host: target, ...headers } }, (response) => {
          const parts: Buffer[] = [];
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes <= 1 << 16) parts.push(chunk);
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts).toString('utf8'), bytes }),
          );
          response.on('error', reject);
        });
        request.on('error', reject);
        if (body === undefined) request.end();
        else Readable.from(body).pipe(request);
      }),
    upgrade: (path, headers, payload) =>
      new Promise((resolve, reject) => {
        const request = http.request({ agent, path, headers: { host: target, connection: 'upgrade', upgrade: 'echo', ...headers } });
        request.on('upgrade', (_response: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
          const parts = [head];
          let got = head.length;
          socket.on('data', (chunk: Buffer) => {
            parts.push(chunk);
            got += chunk.length;
            if (got >= payload.length) resolve(Buffer.concat(parts));
          });
          socket.write(payload);
        });
        request.on('response', (response: http.IncomingMessage) => reject(new Error(`not upgraded: ${response.statusCode ?? 0}`)));
        request.on('error', reject);
        request.end();
      }),
    connections: () => opened,
    alpn: secure.alpnProtocol,
    close: () => {
      agent.destroy();
      secure.destroy();
    },
  };
}
