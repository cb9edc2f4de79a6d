import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { open } from 'node:fs/promises';
import type Docker from 'dockerode';
import { extract, type Header } from 'tar-stream';
import { DigestSink, linkDigest } from './content-digest';
import type { AgentContent } from './workspace-reader';
import { MAX_COMPARE_BYTES } from './workspace-reader';

const WORKSPACE = '/workspace';

/**
 * Reads one file or symlink of a container's /workspace through the archive API (the engine
 * reads it, so nothing in the bottle can fake it): a tar holding exactly that one entry, checked
 * to be a file or symlink of the expected name, hashed as it streams, at most `keepBytes` kept;
 * with `copyTo`, every byte is also written to that new host file. Null when it is gone.
 */
export async function readContainerFile(
  container: Docker.Container,
  path: string,
  keepBytes: number,
  copyTo?: { dest: string; mode: number },
): Promise<AgentContent | null> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: `${WORKSPACE}/${path}` });
  } catch (error: unknown) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
  const name = path.split('/').pop() as string;
  let result: AgentContent | null = null;
  let entries = 0;
  const tar = extract();
  tar.on('entry', (header: Header, stream, next) => {
    entries += 1;
    const done = (error?: unknown): void => {
      if (error !== undefined) tar.destroy(error as Error);
      else next();
    };
    if (entries > 1 || header.name.replace(/\/$/, '') !== name) {
      stream.resume();
      done(new Error(`the archive of ${path} holds more than that file`));
      return;
    }
    const mode = (header.mode ?? 0) & 0o7777;
    if (header.type === 'symlink') {
      const target = header.linkname ?? '';
      result = { kind: 'symlink', size: Buffer.byteLength(target), mode, digest: linkDigest(target), data: Buffer.alloc(0), complete: true, target };
      stream.resume();
      stream.on('end', () => done());
      return;
    }
    if (header.type !== 'file') {
      stream.resume();
      stream.on('end', () => done());
      return;
    }
    const size = header.size ?? 0;
    if (size > MAX_COMPARE_BYTES && copyTo === undefined) {
      result = { kind: 'file', size, mode, digest: null, data: Buffer.alloc(0), complete: false, target: null };
      stream.resume();
      stream.on('end', () => done());
      return;
    }
    const sink = new DigestSink(size, keepBytes);
    const write = async (): Promise<void> => {
      const out = copyTo === undefined ? null : await open(copyTo.dest, 'wx', copyTo.mode);
      try {
        await out?.chmod(copyTo?.mode ?? 0o600);
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          sink.write(chunk);
          if (out !== null) await out.write(chunk);
        }
        await out?.sync();
      } finally {
        await out?.close();
      }
      const finished = sink.finish();
      result = { kind: 'file', size, mode, digest: finished.digest, data: finished.data, complete: finished.complete, target: null };
    };
    write().then(() => done(), done);
  });
  await pipeline(archive, tar as unknown as Writable);
  return result;
}
