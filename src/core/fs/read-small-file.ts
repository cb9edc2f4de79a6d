import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { errorCode, isMissing } from './if-exists';

/*
 * The one read of a small file of ours (or of anyone's: an agent's folder, a repository's control
 * file): never through a symlink (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK, then refused
 * as not a regular file), never more than the caller's cap in memory, even if the file grows
 * between the size check and the read.
 */

/** What a read found. `missing` only when nothing is there (ENOENT, ENOTDIR: see if-exists). */
export type SmallFileRead = { kind: 'ok'; text: string; mtimeMs: number } | { kind: 'missing' } | SmallFileCorrupt;
export type SmallFileBytes = { kind: 'ok'; bytes: Buffer; mtimeMs: number } | { kind: 'missing' } | SmallFileCorrupt;

export interface SmallFileCorrupt {
  kind: 'corrupt';
  /** Reads after the file's name: "is a symlink", "is not a regular file", "is larger than 4096 bytes", "is unreadable (EACCES)". */
  reason: string;
  /**
   * The error the file system answered (ELOOP for a symlink, EACCES, EIO…); absent when the file
   * opened but is no small regular file. Callers that must not go on without the file throw it.
   */
  cause?: unknown;
}

/** Thrown by the reads below when the file opened but is not a small regular file. */
class NotSmallFileError extends Error {}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function checkOpened(info: Stats, maxBytes: number): void {
  if (!info.isFile()) throw new NotSmallFileError('not a regular file');
  if (info.size > maxBytes) throw new NotSmallFileError(`larger than ${maxBytes} bytes`);
}

/**
 * At most `limit` bytes of an open file, from its start: one read call per chunk the kernel gives,
 * never a byte past the limit in memory whatever the file does meanwhile.
 */
export async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await handle.read(buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}

function readAtMostSync(fd: number, limit: number): Buffer {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const bytesRead = readSync(fd, buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}

/**
 * The bytes read with room for one byte more than the file had when opened: that byte read tells
 * a file that grew meanwhile (ours are replaced by rename, never appended to) from one that did
 * not, and nothing past the cap is ever held.
 */
function checkedRead(bytes: Buffer, info: Stats, maxBytes: number): Buffer {
  if (bytes.length > maxBytes) throw new NotSmallFileError(`larger than ${maxBytes} bytes`);
  if (bytes.length > info.size) throw new NotSmallFileError('changing while it is read');
  return bytes;
}

/**
 * The file's bytes and mtime. Throws what the file system answers (ENOENT, ELOOP, EACCES…) with its
 * code, and a plain error for a file that is no small regular file.
 */
export async function readSmallFileOrThrow(path: string, maxBytes: number): Promise<{ bytes: Buffer; mtimeMs: number }> {
  const handle = await open(path, READ_FLAGS);
  try {
    const info = await handle.stat();
    checkOpened(info, maxBytes);
    const bytes = await readAtMost(handle, Math.min(info.size, maxBytes) + 1);
    return { bytes: checkedRead(bytes, info, maxBytes), mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** The same read, synchronous: for listings of thousands of bottles, where a promise per syscall costs more than the I/O. */
function readSmallFileSyncOrThrow(path: string, maxBytes: number): { bytes: Buffer; mtimeMs: number } {
  const fd = openSync(path, READ_FLAGS);
  try {
    const info = fstatSync(fd);
    checkOpened(info, maxBytes);
    const bytes = readAtMostSync(fd, Math.min(info.size, maxBytes) + 1);
    return { bytes: checkedRead(bytes, info, maxBytes), mtimeMs: info.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Sorts a failed read: nothing there, or there but not readable as a small file (saying why). */
function failedRead(error: unknown): { kind: 'missing' } | SmallFileCorrupt {
  if (error instanceof NotSmallFileError) return { kind: 'corrupt', reason: `is ${error.message}` };
  if (isMissing(error)) return { kind: 'missing' };
  const code = errorCode(error);
  if (code === 'ELOOP') return { kind: 'corrupt', reason: 'is a symlink', cause: error };
  return { kind: 'corrupt', reason: `is unreadable (${code ?? String(error)})`, cause: error };
}

export async function readSmallFileBytes(path: string, maxBytes: number): Promise<SmallFileBytes> {
  try {
    return { kind: 'ok', ...(await readSmallFileOrThrow(path, maxBytes)) };
  } catch (error: unknown) {
    return failedRead(error);
  }
}

/** A small UTF-8 file (invalid sequences become U+FFFD, as readFile's). */
export async function readSmallFile(path: string, maxBytes: number): Promise<SmallFileRead> {
  const read = await readSmallFileBytes(path, maxBytes);
  return read.kind === 'ok' ? { kind: 'ok', text: read.bytes.toString('utf8'), mtimeMs: read.mtimeMs } : read;
}

export function readSmallFileSync(path: string, maxBytes: number): SmallFileRead {
  try {
    const { bytes, mtimeMs } = readSmallFileSyncOrThrow(path, maxBytes);
    return { kind: 'ok', text: bytes.toString('utf8'), mtimeMs };
  } catch (error: unknown) {
    return failedRead(error);
  }
}
