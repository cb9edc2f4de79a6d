/**
 * Where a CONNECT whose requests the gateway signs ends (issue 20): proxy-chain answers the CONNECT
 * with 200 and hands the client socket to the `customConnectServer` the gateway returned
 * (proxy-chain custom_connect.js: `server.emit('connection', socket)`). Here that socket gets TLS
 * with the host's certificate (a leaf of the installation's CA, which only bottles trust), ALPN
 * offering http/1.1 alone (the requests are re-sent one by one, so HTTP/2 is never agreed), and then
 * one shared HTTP/1.1 parser (keep-alive, bodies streamed) hands each request to token-endpoint.ts
 * (a placeholder refresh is answered there) and upstream-dial.ts with the session it arrived on. An `upstreams` override for a plain tunnel also ends here: a relay
 * to the override's address, the bytes untouched.
 */
import http from 'node:http';
import type https from 'node:https';
import net from 'node:net';
import tls, { type SecureContext } from 'node:tls';
import type { PinnedTarget } from './address-check';
import { forwardUpgrade, oneLine } from './upstream-dial';
import type { Injection, TokenEndpoint } from './credentials-message';
import { serveSignedRequest } from './token-endpoint';

/** One terminated CONNECT: who asked, for where, where it is dialled, and the upstream sockets it used. */
export interface SignedSession {
  identity: string;
  set: string | undefined;
  host: string;
  port: number;
  dial: { target: PinnedTarget; port: number; ca: string | null };
  /** Keeps one upstream connection per client connection alive between its requests; gone with it. */
  agent: https.Agent;
  /** Every upstream socket this session used: the connection's bytes are theirs. */
  sockets: Set<net.Socket>;
  /** The injections for this session's requests now (the current table's, looked up per request). */
  injections(): readonly Injection[];
  /** The set's token endpoint if it is this host:port now (its placeholder refresh is answered here), else null. */
  tokenEndpoint(): TokenEndpoint | null;
  /** A placeholder refresh was answered here: the core is asked to refresh the set's real login. */
  refreshAnswered(): void;
}

/** Bytes a session's (or a relay's) upstream sockets sent and received. */
export function socketBytes(sockets: Iterable<net.Socket>): { up: number; down: number } {
  let up = 0;
  let down = 0;
  for (const socket of sockets) {
    up += socket.bytesWritten;
    down += socket.bytesRead;
  }
  return { up, down };
}

/**
 * proxy-chain types `customConnectServer` as http.Server but only ever calls
 * `emit('connection', socket)` on it, after writing the 200 (custom_connect.js): an emitter of our
 * own stands in, so each CONNECT carries its own facts to where its socket is taken.
 */
function connectServer(take: (socket: net.Socket) => void): http.Server {
  const taker = {
    emit: (event: string, socket: net.Socket): boolean => {
      if (event !== 'connection') return false;
      take(socket);
      return true;
    },
  };
  return taker as unknown as http.Server;
}

export class TlsTerminator {
  private readonly parser: http.Server;
  private readonly sessions = new WeakMap<net.Socket, SignedSession>();

  constructor(
    maxHeaderBytes: number,
    private readonly log: (line: string) => void,
  ) {
    this.parser = http.createServer({ maxHeaderSize: maxHeaderBytes }, (request, response) => {
      const session = this.sessions.get(request.socket);
      if (session === undefined) return void response.destroy();
      serveSignedRequest(session, request, response, log);
    });
    this.parser.headersTimeout = 20_000;
    // A large upload may take longer than Node's default 5 minutes for a whole request: only its head is timed.
    this.parser.requestTimeout = 0;
    // A client's connection stays open between its requests about as long as a tunnel's would.
    this.parser.keepAliveTimeout = 60_000;
    this.parser.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const session = this.sessions.get(socket);
      if (session === undefined) return void socket.destroy();
      forwardUpgrade(session, request, socket, head, log);
    });
    this.parser.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
      const session = this.sessions.get(socket);
      this.log(`signed connection ${session?.identity ?? '?'} -> ${session?.host ?? '?'}: bad request (${error.code ?? error.message})`);
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** The `customConnectServer` of one CONNECT the gateway signs: TLS with `context`, then the parser. */
  terminate(session: SignedSession, context: SecureContext): http.Server {
    const take = (raw: net.Socket): void => {
      const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context, ALPNProtocols: ['http/1.1'] });
      this.sessions.set(secure, session);
      secure.on('error', (error: Error) => {
        // A handshake the client gave up (it does not trust the CA, or offered only h2): its reason, no data.
        this.log(`signed connection ${session.identity} -> ${session.host}:${session.port}: ${oneLine(error.message)}`);
        secure.destroy();
      });
      raw.once('close', () => {
        secure.destroy();
        session.agent.destroy();
      });
      this.parser.emit('connection', secure);
    };
    return connectServer(take);
  }

  /** The `customConnectServer` of a plain tunnel redirected by an `upstreams` entry: bytes relayed to the override address. */
  relay(identity: string, host: string, dial: SignedSession['dial'], sockets: Set<net.Socket>): http.Server {
    const take = (raw: net.Socket): void => {
      const upstream = net.connect({ host: dial.target.address, port: dial.port });
      sockets.add(upstream);
      const fail = (error: Error): void => {
        this.log(`tunnel ${identity} -> ${host} via ${dial.target.address}:${dial.port}: ${oneLine(error.message)}`);
        raw.destroy();
        upstream.destroy();
      };
      upstream.on('error', fail);
      raw.on('error', fail);
      raw.pipe(upstream);
      upstream.pipe(raw);
    };
    return connectServer(take);
  }
}
