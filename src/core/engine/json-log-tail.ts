import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';

/*
 * The last lines of a container's log read straight from the engine's json-file on this host (the
 * path its inspect gives), for the Logs tab to paint at once: the engine's own tail of a 50 MB log
 * arrived a line per write over 5-12 ms. The engine's stream still follows (log-tail-preview.ts).
 */

/** One entry of the log: its text as the engine streams it, and when the engine stamped it (ms since 1970). */
export interface LogEntry {
  text: string;
  time: number;
}

/** Never more than this read from the end of the file for a preview: a tail of huge lines is the engine's to send. */
const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;
const BLOCK_BYTES = 64 * 1024;

/**
 * The log's last `lines` entries and up to `context` entries before them, oldest first, as the
 * engine's tail sends them (each entry's `log`: a line with its newline, or a part of a long one);
 * null when this file cannot say (not there, not a regular file of root's or ours, fewer than
 * `lines` entries while older files may hold more, a damaged entry, over the byte cap). A last
 * entry the engine is still writing is left out: the engine's stream brings it.
 */
export async function readJsonLogTail(path: string, lines: number, context = 0): Promise<LogEntry[] | null> {
  const file = await openLogFile(path);
  if (file === null) return null;
  try {
    const wanted = lines + context;
    const { size } = await file.stat();
    let start = size;
    const blocks: Buffer[] = [];
    let newlines = 0;
    // Complete entries end with a newline: wanted + 1 of them bound the last `wanted` entries, or the file's start does.
    while (start > 0 && newlines <= wanted) {
      if (size - start >= MAX_PREVIEW_BYTES) return null;
      const length = Math.min(BLOCK_BYTES, start);
      start -= length;
      const block = Buffer.alloc(length);
      const { bytesRead } = await file.read(block, 0, length, start);
      if (bytesRead !== length) return null;
      blocks.unshift(block);
      newlines += countNewlines(block);
    }
    const text = Buffer.concat(blocks).toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
    complete.pop();
    // Reached from the middle of the file: the first piece is the end of an entry before the tail.
    if (start > 0) complete.shift();
    // The whole file is fewer entries than asked: older ones may be in rotated files, which the engine reads.
    if (complete.length < lines && (start > 0 || (await hasRotated(path)))) return null;
    const entries: LogEntry[] = [];
    for (const line of complete.slice(-wanted)) {
      const entry = parseEntry(line);
      if (entry === null) return null;
      entries.push(entry);
    }
    return entries;
  } finally {
    await file.close();
  }
}

/** The log file, opened to read when it is a regular file of root's (the engine's) or of this process's user (a rootless engine's). */
async function openLogFile(path: string): Promise<FileHandle | null> {
  // Never a link followed, and a FIFO put there does not block the open.
  const file = await ifExists(open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK));
  if (file === null) return null;
  const info = await file.stat();
  if (info.isFile() && (info.uid === 0 || info.uid === process.getuid?.())) return file;
  await file.close();
  return null;
}

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) count += 1;
  return count;
}

function parseEntry(line: string): LogEntry | null {
  try {
    const entry = JSON.parse(line) as { log?: unknown; time?: unknown };
    const time = typeof entry.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    return typeof entry.log === 'string' && Number.isFinite(time) ? { text: entry.log, time } : null;
  } catch (error: unknown) {
    // A line that is not the engine's JSON: this file is not one to read (the engine's stream is the way).
    void error;
    return null;
  }
}

/** Whether the engine rotated this log (max-file): older entries are then in `<path>.1`, maybe compressed. */
async function hasRotated(path: string): Promise<boolean> {
  for (const older of [`${path}.1`, `${path}.1.gz`]) if ((await ifExists(lstat(older))) !== null) return true;
  return false;
}
