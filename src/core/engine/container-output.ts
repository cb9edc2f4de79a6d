import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';

export interface ContainerLogOptions {
  /** The last N lines, or everything the engine kept. */
  tail: number | 'all';
  follow: boolean;
}

/**
 * A container's output as the engine kept it (stdout and stderr together), streamed: the engine
 * seeks to the last `tail` lines itself, so the tail of a huge log is read without the rest of it,
 * and nothing here holds more than a chunk. TTY containers (every bottle) write one raw stream;
 * others are demultiplexed. The stream ends when the log does (or, following, when the container stops).
 */
export async function containerLogStream(docker: Docker, containerId: string, options: ContainerLogOptions): Promise<Readable> {
  // The log request does not wait for the inspect: one round trip to the engine, not two.
  const tty = docker
    .getContainer(containerId)
    .inspect()
    .then((info) => info.Config.Tty);
  const raw = new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${containerId}/logs?`,
        method: 'GET',
        // dockerode only streams when following; a plain tail must stream too, or a huge log is buffered whole.
        isStream: true,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        options: { stdout: true, stderr: true, follow: options.follow, tail: String(options.tail) },
      } as Parameters<Docker['modem']['dial']>[0],
      (error: unknown, stream: unknown) => (error ? reject(error as Error) : resolve(stream as NodeJS.ReadableStream)),
    );
  });
  let isTty: boolean;
  let stream: NodeJS.ReadableStream;
  try {
    [isTty, stream] = await Promise.all([tty, raw]);
  } catch (error: unknown) {
    // The container went between the two calls: close whichever stream did open.
    raw.then((opened) => (opened as Readable).destroy(), () => undefined);
    throw error;
  }
  if (isTty) return stream as Readable;
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, out);
  stream.on('end', () => out.end());
  stream.on('error', (error: Error) => out.destroy(error));
  out.on('close', () => (stream as Readable).destroy());
  return out;
}
