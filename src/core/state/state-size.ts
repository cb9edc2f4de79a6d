import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bottlePaths } from './state-paths';

/*
 * The size of a bottle's state folder, shown on its card and by `show`. Listings never walk
 * folders (5,000 bottles must list as fast as before): they show the last size this process
 * computed, and a single bottle's view computes it (every live refresh does). The folders that
 * hold nearly all of it only change by rename: the snapshots (transcript/, workspace/) are
 * replaced whole, and the start-of-run copies (changes/blobs/, flat and write-once) are added one
 * by one; so their totals are cached by inode and mtime. The rest (inbox, journal, our small
 * files) is walked each time.
 */

const CACHED_FOLDERS = new Set(['transcript', 'workspace', join('changes', 'blobs')]);
const cachedTotals = new Map<string, { key: string; bytes: number }>();
const lastKnown = new Map<string, number>();

/** Bytes under `path`; `relative` is its path inside the state folder. */
async function walk(path: string, relative: string): Promise<number> {
  const info = await lstat(path).catch(() => null);
  if (info === null) return 0;
  if (!info.isDirectory()) return info.size;
  const key = CACHED_FOLDERS.has(relative) ? `${info.dev}:${info.ino}:${info.mtimeMs}` : null;
  const cached = key === null ? undefined : cachedTotals.get(path);
  if (cached !== undefined && cached.key === key) return cached.bytes;
  let total = 0;
  const names = await readdir(path).catch(() => [] as string[]);
  for (const name of names) total += await walk(join(path, name), relative === '' ? name : join(relative, name));
  if (key !== null) cachedTotals.set(path, { key, bytes: total });
  return total;
}

/** Bytes in the bottle's state folder now (files at their apparent size); remembered for listings. */
export async function stateFolderBytes(identity: string): Promise<number> {
  const total = await walk(bottlePaths(identity).dir, '');
  lastKnown.set(identity, total);
  return total;
}

/** The last size computed for the bottle by this process, or null: no I/O, for listings. */
export function knownStateBytes(identity: string): number | null {
  return lastKnown.get(identity) ?? null;
}
