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
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  const raw = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
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
  if (info.Config.Tty) return raw as Readable;
  const out = new PassThrough();
  docker.modem.demuxStream(raw, out, out);
  raw.on('end', () => out.end());
  raw.on('error', (error: Error) => out.destroy(error));
  out.on('close', () => (raw as Readable).destroy());
  return out;
}
