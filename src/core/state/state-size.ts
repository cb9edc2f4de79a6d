import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bottlePaths } from './state-paths';

/*
 * The size of a bottle's state folder, shown on its card and by `show`. Listings never walk
 * folders (5,000 bottles must list as fast as before): they show the last size this process
 * computed, and a single bottle's view computes it. The snapshots (transcript/, workspace/) hold
 * nearly all of it and are only ever replaced whole, by rename, so their totals are cached by
 * inode and mtime; the rest (inbox, journal, our small files) is walked each time.
 */

const SNAPSHOT_FOLDERS = new Set(['transcript', 'workspace']);
const snapshotTotals = new Map<string, { key: string; bytes: number }>();
const lastKnown = new Map<string, number>();

async function walk(path: string): Promise<number> {
  const info = await lstat(path).catch(() => null);
  if (info === null) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  const names = await readdir(path).catch(() => [] as string[]);
  for (const name of names) total += await walk(join(path, name));
  return total;
}

async function snapshotBytes(path: string): Promise<number> {
  const info = await lstat(path).catch(() => null);
  if (info === null || !info.isDirectory()) return info?.size ?? 0;
  const key = `${info.dev}:${info.ino}:${info.mtimeMs}`;
  const cached = snapshotTotals.get(path);
  if (cached?.key === key) return cached.bytes;
  const bytes = await walk(path);
  snapshotTotals.set(path, { key, bytes });
  return bytes;
}

/** Bytes in the bottle's state folder now (files at their apparent size); remembered for listings. */
export async function stateFolderBytes(identity: string): Promise<number> {
  const dir = bottlePaths(identity).dir;
  const names = await readdir(dir).catch(() => [] as string[]);
  let total = 0;
  for (const name of names) total += SNAPSHOT_FOLDERS.has(name) ? await snapshotBytes(join(dir, name)) : await walk(join(dir, name));
  lastKnown.set(identity, total);
  return total;
}

/** The last size computed for the bottle by this process, or null: no I/O, for listings. */
export function knownStateBytes(identity: string): number | null {
  return lastKnown.get(identity) ?? null;
}
