import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import type { EngineContainer } from '../engine/engine-client';
import { readArchiveEntry, type EntryWant } from './container-files';
import type { AgentContent, CopyRequest } from './workspace-reader';

/** Paths per `tar` exec: well under any argument-length limit. */
const BATCH = 400;
/** What a batch may carry that nobody asked for (a requested path that became a folder) before it stops. */
const MAX_UNASKED_BYTES = 64 * 1024 * 1024;

export class TarUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarUnavailableError';
  }
}

type Wanted = Map<string, EntryWant>;

/** One `tar -c` in the running bottle for a batch of paths; entries are checked against what was asked. */
async function tarBatch(container: EngineContainer, wanted: Wanted, results: Map<string, AgentContent | null>): Promise<void> {
  const paths = [...wanted.keys()];
  const exec = await container.exec({
    Cmd: ['tar', '-c', '-f', '-', '-C', '/workspace', '--', ...paths],
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const { stdout: out, stderr: err } = await exec.startDemuxed({ stdin: false });
  let errors = '';
  err.setEncoding('utf8').on('data', (chunk: string) => {
    errors = (errors + chunk).slice(-2000);
  });
  let unasked = 0;
  const tar = extract();
  tar.on('entry', (header: Header, entry, next) => {
    const name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    const want = wanted.get(name);
    if (want === undefined || results.has(name)) {
      // Not something we asked for (a folder's contents, a repeat): counted and dropped.
      unasked += header.size ?? 0;
      entry.resume();
      entry.on('end', () => (unasked > MAX_UNASKED_BYTES ? tar.destroy(new Error('the bottle sent far more than was asked for')) : next()));
      return;
    }
    readArchiveEntry(header, entry, want).then(
      (content) => {
        // A hard link or anything else is read again through the archive API by the caller.
        if (content !== null) results.set(name, content);
        next();
      },
      (error: unknown) => tar.destroy(error as Error),
    );
  });
  await pipeline(out, tar);
  const { ExitCode } = await exec.inspect();
  if (
    ExitCode === 126 ||
    ExitCode === 127 ||
    (results.size === 0 && /not found|no such file or directory: tar|executable file/i.test(errors))
  ) {
    throw new TarUnavailableError(`no usable tar in the bottle (${errors.trim().split('\n').pop() ?? `exit ${String(ExitCode)}`})`);
  }
}

/**
 * Streams many workspace files out of a running bottle with its own `tar` (one exec per few
 * hundred paths) instead of one archive request per file, which the engine answers slowly. The
 * stream is the agent's, like the files: only entries named exactly as asked are taken, hashed
 * as they arrive, at most `keep` bytes kept, or written whole to the copy's `dest`. Paths missing
 * from the stream come back absent from the map (gone, or something tar cannot carry).
 */
export async function readFromBottle(
  container: EngineContainer,
  requests: { path: string; keep: number; copy: CopyRequest | null }[],
): Promise<Map<string, AgentContent | null>> {
  const results = new Map<string, AgentContent | null>();
  for (let at = 0; at < requests.length; at += BATCH) {
    const wanted: Wanted = new Map(
      requests.slice(at, at + BATCH).map((request) => [request.path, { keep: request.keep, copy: request.copy }]),
    );
    await tarBatch(container, wanted, results);
  }
  return results;
}
