import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { isMissing } from '../fs/if-exists';

/** The two names of one content: git's blob id (to meet git objects) and a SHA-256. */
export interface ContentDigest {
  oid: string;
  sha256: string;
}

/** Git decides "binary" by a NUL byte in the first 8,000 bytes; so do we. */
const BINARY_PROBE_BYTES = 8000;

export function looksBinary(head: Uint8Array): boolean {
  return head.subarray(0, BINARY_PROBE_BYTES).includes(0);
}

/**
 * Hashes content as it streams by when its size is known up front (git's blob id starts with the
 * size), keeping at most `keepBytes` of it for a diff.
 */
export class DigestSink {
  private readonly sha1: Hash;
  private readonly sha256 = createHash('sha256');
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly keepBytes: number,
  ) {
    this.sha1 = createHash('sha1').update(`blob ${size}\0`);
  }

  write(chunk: Buffer): void {
    this.seen += chunk.length;
    this.sha1.update(chunk);
    this.sha256.update(chunk);
    if (this.keptBytes < this.keepBytes) {
      // A copy: callers may reuse their read buffer for the next chunk.
      const part = Buffer.from(chunk.subarray(0, this.keepBytes - this.keptBytes));
      this.kept.push(part);
      this.keptBytes += part.length;
    }
  }

  /** The digest, the kept head, and whether the head is the whole content. */
  finish(): { digest: ContentDigest; data: Buffer; complete: boolean } {
    if (this.seen !== this.size) throw new Error(`content changed while it was read (${this.seen} of ${this.size} bytes)`);
    return {
      digest: { oid: this.sha1.digest('hex'), sha256: this.sha256.digest('hex') },
      data: Buffer.concat(this.kept),
      complete: this.keptBytes >= this.size,
    };
  }
}

export function digestOf(data: Uint8Array): ContentDigest {
  const sink = new DigestSink(data.length, 0);
  sink.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return sink.finish().digest;
}

/** A symlink's identity is its target: hashed like git hashes a link (a blob of the target). */
export function linkDigest(target: string): ContentDigest {
  return digestOf(Buffer.from(target, 'utf8'));
}

export interface HostFileRead {
  digest: ContentDigest;
  data: Buffer;
  complete: boolean;
  size: number;
  mode: number;
}

/**
 * Where an open file really is. Linux names it in /proc/self/fd whatever happened to the path
 * since (a folder above it swapped for a symlink); elsewhere its folder's real path is the best
 * there is.
 */
async function openedPath(fd: number, path: string): Promise<string> {
  // No /proc (macOS, Windows): the fallback below is the answer there, whatever readlink says.
  const named = await readlink(`/proc/self/fd/${fd}`).catch((_error: unknown) => null);
  if (named !== null && named.startsWith('/')) return named;
  return `${await realpath(dirname(path))}${sep}x`;
}

/**
 * Reads a regular file on the host, never through a symlink (O_NOFOLLOW) and never a FIFO or
 * device, hashing all of it and keeping at most `keepBytes`; with `copyTo`, also writes every
 * byte to that new file (created exclusively with `mode`). With `within` (a real path), a file
 * that turns out to be outside it (a folder on the way was a symlink: a workspace the agent
 * writes can swap one in at any time) is refused. Null when the source is not a regular file (any
 * more).
 */
export async function readHostFile(
  path: string,
  keepBytes: number,
  copyTo?: { dest: string; mode: number },
  within?: string,
): Promise<HostFileRead | null> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error: unknown) {
    // A link (ELOOP under O_NOFOLLOW) or a socket (ENXIO) is no regular file to read: null as for one gone.
    if (isMissing(error, ['ELOOP', 'ENXIO'])) return null;
    throw error;
  }
  let out;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    if (within !== undefined && !(await openedPath(handle.fd, path)).startsWith(`${within}${sep}`)) return null;
    if (copyTo !== undefined) {
      out = await open(copyTo.dest, 'wx', copyTo.mode);
      await out.chmod(copyTo.mode);
    }
    const sink = new DigestSink(info.size, keepBytes);
    const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(info.size, 1)));
    let position = 0;
    while (position < info.size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, info.size - position), position);
      if (bytesRead === 0) break;
      sink.write(buffer.subarray(0, bytesRead));
      if (out !== undefined) await out.write(buffer, 0, bytesRead);
      position += bytesRead;
    }
    if (out !== undefined) await out.sync();
    return { ...sink.finish(), size: info.size, mode: info.mode & 0o7777 };
  } finally {
    await out?.close();
    await handle.close();
  }
}
