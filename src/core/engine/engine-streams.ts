import type { Duplex, Readable } from 'node:stream';
import type { Pack } from 'tar-stream';

/*
 * The engine's streams, typed once. dockerode declares what the engine sends as the loose
 * NodeJS.ReadableStream (or ReadWriteStream) interface; at run time an archive, a log, the event
 * feed and a build's progress are the HTTP response (an http.IncomingMessage: a Readable), and a
 * hijacked attach or exec is the connection's socket (a net.Socket, or an ssh channel: a Duplex).
 * These say so here, where that holds, so nothing above the engine casts a stream.
 */

/** An HTTP response body of the engine as what it is at run time: a Readable. */
export function responseStream(stream: NodeJS.ReadableStream): Readable {
  // docker-modem hands the http.IncomingMessage through untouched (buildRequest, isStream).
  return stream as unknown as Readable;
}

/** A hijacked connection (attach, exec start) as what it is at run time: a Duplex socket. */
export function hijackedStream(stream: NodeJS.ReadableStream | NodeJS.ReadWriteStream): Duplex {
  // With `hijack: true` docker-modem resolves with the upgraded socket itself (a net.Socket, or the
  // ssh channel our agent dialled for it): a Duplex.
  return stream as unknown as Duplex;
}

/**
 * A tar going to the engine: a Node Readable, or a tar-stream pack (a streamx Readable: not
 * Node's stream type, but it has `pipe`, which is all docker-modem does with a request body).
 */
export type TarSource = Readable | Pack;

/** A tar going to the engine, in the type dockerode declares for a request body. */
export function tarStream(tar: TarSource): NodeJS.ReadableStream {
  // docker-modem only pipe()s a stream body into the request; a streamx pack pipes like a Readable.
  return tar as unknown as NodeJS.ReadableStream;
}
