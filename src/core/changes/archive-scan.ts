import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import type { EngineContainer } from '../engine/engine-client';
import { DigestSink } from './content-digest';
import { cleanRelativePath, isGitInternal } from './relative-path';
import type { AgentEntry } from './workspace-reader';

/**
 * Lists a container's /workspace from its whole archive: what is left when nothing can run
 * inside it (it exited, or its image has no `find`/`stat`). Reads every byte, like `docker cp`;
 * the entries' content is read again, file by file, only where it changed.
 */
export async function scanContainerWorkspace(
  container: EngineContainer,
  ignore: ((path: string) => boolean) | undefined,
  oids?: Map<string, string>,
): Promise<Map<string, AgentEntry>> {
  const archive = await container.getArchive('/workspace');
  const entries = new Map<string, AgentEntry>();
  const tar = extract();
  tar.on('entry', (header: Header, stream, next) => {
    const name = header.name.replace(/\/$/, '');
    const path = name.startsWith('workspace/') ? cleanRelativePath(name.slice('workspace/'.length)) : null;
    const listed = path !== null && !isGitInternal(path) && !ignoredWithin(path, ignore);
    // Every byte streams by anyway: each file's blob id is taken on the way (no ctime in a tar to
    // tell an edit whose old size and time were put back; its content does).
    const sink = oids !== undefined && listed && header.type === 'file' ? new DigestSink(header.size ?? 0, 0) : null;
    if (sink !== null)
      stream.on('data', (chunk: unknown) => {
        // Always a Buffer from tar-stream; anything else leaves the sink short, so no blob id.
        if (Buffer.isBuffer(chunk)) sink.write(chunk);
      });
    stream.on('end', () => {
      if (sink !== null && path !== null) {
        try {
          oids?.set(path, sink.finish().digest.oid);
        } catch (error: unknown) {
          // A short entry: no blob id, so the file is read on its own like any that may differ.
          void error;
        }
      }
      next();
    });
    stream.resume();
    if (path === null || !listed) return;
    if (header.type !== 'file' && header.type !== 'symlink') return;
    entries.set(path, {
      path,
      kind: header.type === 'symlink' ? 'symlink' : 'file',
      size: header.type === 'symlink' ? Buffer.byteLength(header.linkname ?? '') : (header.size ?? 0),
      mode: (header.mode ?? 0) & 0o7777,
      mtimeMs: Math.floor((header.mtime?.getTime() ?? 0) / 1000) * 1000,
      ctimeMs: null,
      ino: null,
      target: header.type === 'symlink' ? (header.linkname ?? '') : null,
    });
  });
  await pipeline(archive, tar);
  return entries;
}

/** True when the path or any folder above it is left out by the ignore rules (as the copy does). */
export function ignoredWithin(path: string, ignore: ((path: string) => boolean) | undefined): boolean {
  if (ignore === undefined) return false;
  let current = '';
  for (const segment of path.split('/')) {
    current = current === '' ? segment : `${current}/${segment}`;
    if (ignore(current)) return true;
  }
  return false;
}
