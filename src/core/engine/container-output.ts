import { isAbsolute } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { EngineClient } from './engine-client';
import type { ContainerInspectInfo } from './engine-container';
import { readJsonLogTail, type LogEntry } from './json-log-tail';
import { PREVIEW_CONTEXT, previewThenEngine } from './log-tail-preview';

export interface ContainerLogOptions {
  /** The last N lines, or everything the engine kept. */
  tail: number | 'all';
  follow: boolean;
  /** The engine's files are this machine's (a local engine): a json-file log's tail may be read from its file. */
  onHost?: boolean;
}

/**
 * A container's output as the engine kept it (stdout and stderr together), streamed: the engine
 * seeks to the last `tail` lines itself, so the tail of a huge log is read without the rest of it,
 * and nothing here holds more than a chunk. TTY containers (every bottle) write one raw stream;
 * others are demultiplexed. The stream ends when the log does (or, following, when the container
 * stops). With `onHost`, a json-file log's tail is read from its file at once, and the engine's
 * stream continues it (log-tail-preview.ts).
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
  const requestedAt = Date.now();
  const raw = docker.rawLogs(containerId, options);
  // Its failure is met where it is awaited (or in the stream it feeds): not while the inspect is.
  raw.catch((_error: unknown) => undefined);
  // A stream that never opened has nothing to close (its error is thrown, or is the inspect's).
  const closeRaw = (): void =>
    void raw.then(
      (opened) => opened.destroy(),
      (_error: unknown) => undefined,
    );
  let info: ContainerInspectInfo;
  try {
    info = await inspected;
  } catch (error: unknown) {
    // The container went between the two calls: close the stream if it did open.
    closeRaw();
    throw error;
  }
  if (!accept(info)) {
    closeRaw();
    return null;
  }
  const shown = options.onHost === true && typeof options.tail === 'number' && options.tail > 0 ? options.tail : 0;
  const preview = shown > 0 ? await fileTail(info, shown) : null;
  if (preview === null) return asText(docker, await raw, info.Config.Tty);
  // The engine's stream joins the preview once it opens; a failure to open fails the stream, as a failed read does.
  const engine = new PassThrough();
  raw.then(
    (stream) => {
      const text = asText(docker, stream, info.Config.Tty);
      // Closed before the engine answered (the tab closed at once): the engine's stream goes too.
      if (engine.destroyed) return void text.destroy();
      text.on('error', (error: Error) => engine.destroy(error));
      text.on('close', () => {
        if (!engine.writableEnded) engine.end();
      });
      engine.on('close', () => text.destroy());
      text.pipe(engine);
    },
    (error: unknown) => engine.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return previewThenEngine(preview, shown, engine, requestedAt);
}

/** The log's last entries from the engine's json-file, when this host has it and it holds them; null otherwise. */
async function fileTail(info: ContainerInspectInfo, lines: number): Promise<LogEntry[] | null> {
  const { LogPath: path } = info;
  if (info.HostConfig.LogConfig?.Type !== 'json-file' || typeof path !== 'string' || !isAbsolute(path)) return null;
  try {
    const entries = await readJsonLogTail(path, lines, PREVIEW_CONTEXT);
    return entries === null || entries.length === 0 ? null : entries;
  } catch (error: unknown) {
    // Meant for any failure (not this host's file, not readable): the engine's stream shows the tail as it always did.
    void error;
    return null;
  }
}

/** The log's text: a TTY container's stream as it is, another's stdout and stderr demultiplexed into one. */
function asText(docker: EngineClient, stream: Readable, tty: boolean): Readable {
  if (tty) return stream;
  const out = new PassThrough();
  docker.demux(stream, out, out);
  stream.on('error', (error: Error) => out.destroy(error));
  out.on('close', () => stream.destroy());
  return out;
}
