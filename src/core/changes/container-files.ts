import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import type { EngineContainer } from '../engine/engine-client';
import { openArchive } from '../engine/container-files';
import { DigestSink, linkDigest } from './content-digest';
import { MAX_COMPARE_BYTES, type AgentContent, type CopyRequest } from './workspace-reader';

/** How much of an entry to keep in memory, and where to write all of it, if anywhere. */
export interface EntryWant {
  keep: number;
  copy: CopyRequest | null;
}

/**
 * One file or symlink entry of a tar that came out of a bottle: hashed as it streams, at most
 * `keep` bytes kept, every byte written to the copy's new file (created exclusively). Null for
 * any other kind of entry (a hard link, a folder): the caller reads those another way.
 */
export async function readArchiveEntry(header: Header, stream: AsyncIterable<unknown>, want: EntryWant): Promise<AgentContent | null> {
  const mode = (header.mode ?? 0) & 0o7777;
  if (header.type === 'symlink') {
    const target = header.linkname ?? '';
    return {
      kind: 'symlink',
      size: Buffer.byteLength(target),
      mode,
      digest: linkDigest(target),
      data: Buffer.alloc(0),
      complete: true,
      target,
    };
  }
  if (header.type !== 'file') return null;
  const size = header.size ?? 0;
  if (size > MAX_COMPARE_BYTES && want.copy === null) {
    for await (const chunk of stream as AsyncIterable<Buffer>) void chunk; // drained: too large to compare
    return { kind: 'file', size, mode, digest: null, data: Buffer.alloc(0), complete: false, target: null };
  }
  const sink = new DigestSink(size, want.keep);
  const out = want.copy === null ? null : await open(want.copy.dest, 'wx', want.copy.mode);
  try {
    await out?.chmod(want.copy?.mode ?? 0o600);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      sink.write(chunk);
      if (out !== null) await out.write(chunk);
    }
    await out?.sync();
  } finally {
    await out?.close();
  }
  const finished = sink.finish();
  return { kind: 'file', size, mode, digest: finished.digest, data: finished.data, complete: finished.complete, target: null };
}

/**
 * Reads one file or symlink of a container's /workspace through the archive API (works on a
 * stopped container too): a tar holding exactly that one entry, checked to be of the expected
 * name. Null when it is gone, or not a file or symlink.
 */
export async function readContainerFile(container: EngineContainer, path: string, want: EntryWant): Promise<AgentContent | null> {
  const archive = await openArchive(container, `/workspace/${path}`);
  if (archive === null) return null;
  const name = path.split('/').pop() as string;
  let result: AgentContent | null = null;
  let entries = 0;
  const tar = extract();
  tar.on('entry', (header: Header, stream, next) => {
    entries += 1;
    if (entries > 1 || header.name.replace(/\/$/, '') !== name) {
      stream.resume();
      tar.destroy(new Error(`the archive of ${path} holds more than that file`));
      return;
    }
    readArchiveEntry(header, stream, want).then(
      (content) => {
        result = content;
        next();
      },
      (error: unknown) => tar.destroy(error as Error),
    );
  });
  await pipeline(archive, tar);
  return result;
}
