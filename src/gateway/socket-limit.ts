/**
 * A cap on the sockets one source may hold open at the gateway (tunnels, keep-alive connections and
 * held requests together), so one bottle cannot exhaust the gateway's file descriptors for the
 * others. A socket over the cap gets a 429 naming the limit and is closed before it is read.
 */
import type net from 'node:net';

export function limitSocketsPerSource(server: net.Server, maxPerSource: number, log: (line: string) => void): void {
  const open = new Map<string, number>();
  // Prepended, so an excess socket is answered before the proxy starts reading it.
  server.prependListener('connection', (socket: net.Socket) => {
    const source = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const count = open.get(source) ?? 0;
    if (count >= maxPerSource) {
      const body = `claude-bottle gateway: this bottle already has ${maxPerSource} connections open at the gateway; close some and retry.\n`;
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.destroySoon();
      log(`refused ${source}: over ${maxPerSource} open connections`);
      return;
    }
    open.set(source, count + 1);
    socket.once('close', () => {
      const left = (open.get(source) ?? 1) - 1;
      if (left <= 0) open.delete(source);
      else open.set(source, left);
    });
  });
}
