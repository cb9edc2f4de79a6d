import { PassThrough, type Readable } from 'node:stream';
import type { EngineClient } from './engine-client';
import type { ContainerInspectInfo } from './engine-container';

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
export async function containerLogStream(docker: EngineClient, containerId: string, options: ContainerLogOptions): Promise<Readable>;
/** As above, when `accept` takes the inspected container; null (nothing left open) when it does not. */
export async function containerLogStream(
  docker: EngineClient,
  containerId: string,
  options: ContainerLogOptions,
  accept: (info: ContainerInspectInfo) => boolean,
): Promise<Readable | null>;
export async function containerLogStream(
  docker: EngineClient,
  containerId: string,
  options: ContainerLogOptions,
  accept: (info: ContainerInspectInfo) => boolean = () => true,
): Promise<Readable | null> {
  // The log request does not wait for the inspect: one round trip to the engine, not two.
  const inspected = docker.getContainer(containerId).inspect();
  const raw = docker.rawLogs(containerId, options);
  let info: ContainerInspectInfo;
  let stream: Readable;
  try {
    [info, stream] = await Promise.all([inspected, raw]);
  } catch (error: unknown) {
    // The container went between the two calls: close whichever stream did open.
    // A stream that never opened has nothing to close (its error is the one thrown above, or the same).
    raw.then(
      (opened) => opened.destroy(),
      (_error: unknown) => undefined,
    );
    throw error;
  }
  if (!accept(info)) {
    stream.destroy();
    return null;
  }
  if (info.Config.Tty) return stream;
  const out = new PassThrough();
  docker.demux(stream, out, out);
  stream.on('error', (error: Error) => out.destroy(error));
  out.on('close', () => stream.destroy());
  return out;
}
