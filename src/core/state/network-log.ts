import { constants } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { NetworkLogEntry } from '../../shared/network-view';
import { parseJson } from '../base/parse-json';
import { settled } from '../base/settled';
import { readSmallFile } from '../fs/read-small-file';
import { bottlePaths } from './state-paths';

/*
 * A bottle's connection log (issue 19): one JSON line per connection that ended or was refused, in
 * its state folder, so it is exported with the bottle and read by `net --log` with no core running.
 * Bounded on disk: past the cap the file becomes `.1` (the one before is dropped) and a new one
 * starts, so a bottle that connects without pause holds at most twice the cap. Written by this
 * process only through `appendNetworkLog`, one append at a time per bottle.
 */

/** Past this the log is rotated. */
export const NETWORK_LOG_MAX_BYTES = 5 * 1024 * 1024;
/** Flags of the one append: never through a link, never blocking on a FIFO. */
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function logPath(identity: string): string {
  return bottlePaths(identity).networkLog;
}

const queues = new Map<string, Promise<unknown>>();

/** Appends one record; rotates first when the line would take the file past `maxBytes`. */
export function appendNetworkLog(identity: string, entry: NetworkLogEntry, maxBytes: number = NETWORK_LOG_MAX_BYTES): Promise<void> {
  const path = logPath(identity);
  const line = `${JSON.stringify(entry)}\n`;
  const next = settled(queues.get(path) ?? Promise.resolve()).then(async () => {
    let handle = await open(path, APPEND_FLAGS, 0o600);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${path} is not a regular file: the connection log is not written`);
      if (stat.size > 0 && stat.size + Buffer.byteLength(line) > maxBytes) {
        await handle.close();
        await rename(path, `${path}.1`);
        handle = await open(path, APPEND_FLAGS, 0o600);
      }
      await handle.appendFile(line);
    } finally {
      await handle.close();
    }
  });
  queues.set(path, next);
  void settled(next).then(() => {
    if (queues.get(path) === next) queues.delete(path);
  });
  return next;
}

function isLogEntry(value: unknown): value is NetworkLogEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.time === 'string' && typeof entry.host === 'string' && typeof entry.port === 'number';
}

async function readLines(path: string): Promise<NetworkLogEntry[]> {
  // The cap plus one line's slack: a file larger than that was not written by us, and is refused.
  const read = await readSmallFile(path, NETWORK_LOG_MAX_BYTES + 64 * 1024);
  if (read.kind === 'missing') return [];
  if (read.kind === 'corrupt') throw new Error(`${path} ${read.reason}`);
  return read.text.split('\n').flatMap((line) => {
    const entry = line === '' ? undefined : parseJson(line);
    return isLogEntry(entry) ? [entry] : [];
  });
}

/** Every record on disk, oldest first (the rotated file's, then the current one's). */
async function readAll(identity: string): Promise<NetworkLogEntry[]> {
  const path = logPath(identity);
  const [older, newer] = await Promise.all([readLines(`${path}.1`), readLines(path)]);
  return [...older, ...newer];
}

/** The newest `limit` records, oldest first. */
export async function readNetworkLog(identity: string, limit: number): Promise<NetworkLogEntry[]> {
  return (await readAll(identity)).slice(-limit);
}

/** The whole log as JSON Lines, one record a line, oldest first ('' when none): what an export carries. Lines that are not records are left out. */
export async function networkLogJsonLines(identity: string): Promise<string> {
  return (await readAll(identity)).map((entry) => `${JSON.stringify(entry)}\n`).join('');
}
