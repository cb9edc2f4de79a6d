/**
 * Caps on the sockets held open at the gateway (tunnels, keep-alive connections and held requests
 * together): per source, so one bottle cannot exhaust the gateway's file descriptors for the others,
 * and in total, so several bottles at their caps cannot exhaust its memory (a tunnel whose far end
 * stops reading keeps about 130 KB of buffers; the container's 512 MB would end at about 3,500 of
 * them, and the kernel would kill the gateway, dropping every bottle's connections and their records).
 * A socket over a cap gets a 429 naming the limit and is closed before it is read.
 */
import type net from 'node:net';

export interface SocketLimits {
  perSource: number;
  total: number;
}

function tooMany(socket: net.Socket, text: string): void {
  const body = `claude-bottle gateway: ${text}; close some and retry.\n`;
  socket.end(
    `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroySoon();
}

export function limitSockets(server: net.Server, limits: SocketLimits, log: (line: string) => void): void {
  const open = new Map<string, number>();
  let total = 0;
  // Prepended, so an excess socket is answered before the proxy starts reading it.
  server.prependListener('connection', (socket: net.Socket) => {
    const source = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const count = open.get(source) ?? 0;
    if (count >= limits.perSource) {
      tooMany(socket, `this bottle already has ${limits.perSource} connections open at the gateway`);
      log(`refused ${source}: over ${limits.perSource} open connections`);
      return;
    }
    if (total >= limits.total) {
      tooMany(socket, `the gateway already has ${limits.total} connections open from all bottles`);
      log(`refused ${source}: the gateway is at ${limits.total} open connections`);
      return;
    }
    open.set(source, count + 1);
    total++;
    socket.once('close', () => {
      total--;
      const left = (open.get(source) ?? 1) - 1;
      if (left <= 0) open.delete(source);
      else open.set(source, left);
    });
  });
}
