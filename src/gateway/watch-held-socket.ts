/**
 * A held CONNECT's socket is paused (Node hands it over unread), so a client that hangs up while
 * held would go unnoticed until the hold times out, keeping its place under the caps. While held,
 * the socket is read into a small buffer, which makes its end visible; what the client sent early
 * (a TLS ClientHello, say) is put back in order when the hold ends, for the tunnel to forward.
 */
import type { Socket } from 'node:net';

/** More than any client sends before its tunnel is up; past it the socket is paused again (bounded memory). */
const MAX_EARLY_BYTES = 64 * 1024;

/** Starts reading the held socket; the returned function stops and puts back what was read. */
export function watchHeldSocket(socket: Socket): () => void {
  const early: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer): void => {
    early.push(chunk);
    size += chunk.length;
    if (size >= MAX_EARLY_BYTES) socket.pause();
  };
  socket.on('data', onData);
  socket.resume();
  return () => {
    socket.off('data', onData);
    socket.pause();
    if (early.length > 0 && !socket.destroyed) socket.unshift(Buffer.concat(early));
  };
}
