import { lstat, open } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';

/*
 * The last lines of a container's log read straight from the engine's json-file on this host (the
 * path its inspect gives), for the Logs tab to paint at once: the engine's own tail of a 50 MB log
 * arrived a line per write over 5-12 ms. The engine's stream still follows (log-tail-preview.ts).
 */

/** Never more than this read from the end of the file for a preview: a tail of huge lines is the engine's to send. */
const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;
const BLOCK_BYTES = 64 * 1024;

/**
 * The texts of the log's last `lines` entries and up to `context` entries before them, oldest
 * first, as the engine's tail sends them (each entry's `log`: a line with its newline, or a part of
 * a long one); null when this file cannot say (not there or unreadable, fewer than `lines` entries
 * while older files may hold more, a damaged entry, over the byte cap). A last entry the engine is
 * still writing is left out: the engine's stream brings it.
 */
export async function readJsonLogTail(path: string, lines: number, context = 0): Promise<string[] | null> {
  const wanted = lines + context;
  const file = await ifExists(open(path, 'r'));
  if (file === null) return null;
  try {
    const { size } = await file.stat();
    let start = size;
    let buffer = Buffer.alloc(0);
    // Complete entries end with a newline: wanted + 1 of them bound the last `wanted` entries, or the file's start does.
    while (start > 0 && countNewlines(buffer) <= wanted) {
      if (size - start >= MAX_PREVIEW_BYTES) return null;
      const length = Math.min(BLOCK_BYTES, start);
      start -= length;
      const block = Buffer.alloc(length);
      const { bytesRead } = await file.read(block, 0, length, start);
      if (bytesRead !== length) return null;
      buffer = Buffer.concat([block, buffer]);
    }
    const text = buffer.toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
    complete.pop();
    // Reached from the middle of the file: the first piece is the end of an entry before the tail.
    if (start > 0) complete.shift();
    // The whole file is fewer entries than asked: older ones may be in rotated files, which the engine reads.
    if (complete.length < lines && (start > 0 || (await hasRotated(path)))) return null;
    const entries: string[] = [];
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

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) count += 1;
  return count;
}

function parseEntry(line: string): string | null {
  try {
    const entry = JSON.parse(line) as { log?: unknown };
    return typeof entry.log === 'string' ? entry.log : null;
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
