import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { extract } from 'tar-stream';
import type { EngineContainer } from './engine-client';
import { isEngineNotFound } from './if-engine-object-exists';

/** What the engine says about one path in a container, without copying it (HEAD on the archive). */
export interface ContainerPathStat {
  size: number;
  mtimeMs: number;
  /** The engine's own modification time, to the nanosecond: what a change check compares. */
  mtime: string;
  /** A regular file: not a folder, link, FIFO, socket or device. */
  isFile: boolean;
}

// Go's os.FileMode type bits, as the engine reports them: dir, symlink, device, named pipe,
// socket, char device, irregular. A regular file has none.
const GO_TYPE_BITS = 0x80000000 | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19);

/** The tar of a path in a container (created, running or exited); null when the path does not exist. */
export async function openArchive(container: EngineContainer, path: string): Promise<Readable | null> {
  try {
    return await container.getArchive(path);
  } catch (error: unknown) {
    if (isEngineNotFound(error)) return null;
    throw error;
  }
}

/**
 * Stats a path in a container (running or not) through the archive API, cheaply: no copy, no exec.
 * Null when the path does not exist.
 */
export async function statContainerPath(container: EngineContainer, path: string): Promise<ContainerPathStat | null> {
  let response: Awaited<ReturnType<EngineContainer['infoArchive']>>;
  try {
    response = await container.infoArchive(path);
  } catch (error: unknown) {
    if (isEngineNotFound(error)) return null;
    throw error;
  }
  const { headers } = response;
  // Its end hands the connection back to the pool: a request made before that opens another.
  // finished() also settles for an answer that ended, closed or failed before this line: waiting
  // for its events instead would wait for ever on one that closed already.
  if (response instanceof Readable) {
    response.resume();
    // A body that breaks off costs only the kept connection: the stat is in the headers, read below.
    await finished(response).catch((_error: unknown) => undefined);
  } else response.resume?.();
  const header = headers?.['x-docker-container-path-stat'];
  if (typeof header !== 'string') return null;
  const stat = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { size?: number; mode?: number; mtime?: string };
  return {
    size: stat.size ?? 0,
    mtimeMs: Date.parse(stat.mtime ?? '') || 0,
    mtime: stat.mtime ?? '',
    isFile: ((stat.mode ?? 0) & GO_TYPE_BITS) === 0,
  };
}

export interface ContainerFile {
  content: Buffer;
  mtimeMs: number;
  uid: number;
  gid: number;
}

/**
 * Reads one regular file out of a container (created, running or exited). Null when it does not
 * exist or is not a regular file (a link is never followed). The container is not trusted: more
 * than `maxBytes` is refused with an error rather than buffered.
 */
export async function readContainerFile(container: EngineContainer, path: string, maxBytes: number): Promise<ContainerFile | null> {
  const archive = await openArchive(container, path);
  if (archive === null) return null;
  let found: ContainerFile | null = null;
  let tooLarge = false;
  const tar = extract();
  tar.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const wanted = found === null && header.type === 'file' && !tooLarge;
    if (wanted && (header.size ?? 0) > maxBytes) tooLarge = true;
    stream.on('data', (chunk: unknown) => {
      if (!wanted || tooLarge || !Buffer.isBuffer(chunk)) return;
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      if (wanted && !tooLarge) {
        found = { content: Buffer.concat(chunks), mtimeMs: header.mtime?.getTime() ?? 0, uid: header.uid ?? 0, gid: header.gid ?? 0 };
      }
      next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    tar.on('finish', resolve);
    tar.on('error', reject);
    archive.on('error', reject);
    archive.pipe(tar);
  });
  if (tooLarge) throw new Error(`${path} in the container is larger than ${maxBytes} bytes`);
  return found;
}
