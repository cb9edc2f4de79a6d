import { lstat, readdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isCheckpointId } from '../../shared/checkpoints';
import type { BottleCache } from '../base/bottle-caches';
import { errorCode, ifExists } from '../fs/if-exists';
import { BOTTLE_FILES, bottlePaths, CHANGES_BLOBS } from './state-paths';

/*
 * The size of a bottle's state folder, shown on its card and by `show`. Listings never walk
 * folders (5,000 bottles must list as fast as before): they show the last size this core
 * computed, and a single bottle's view computes it (every live refresh does). The folders that
 * hold nearly all of it only change by rename: the snapshots (transcript/, workspace/) are
 * replaced whole, and the start-of-run copies (changes/blobs/, flat and write-once) are added one
 * by one; so their totals are cached by inode and mtime. The rest (inbox, journal, our small
 * files) is walked each time.
 */

const CACHED_FOLDERS: ReadonlySet<string> = new Set([
  BOTTLE_FILES.transcript,
  BOTTLE_FILES.workspace,
  join(BOTTLE_FILES.changes, CHANGES_BLOBS),
]);

/** `checkpoints/<id>`: a checkpoint is renamed into place whole and never changed after (checkpoint-store.ts). */
function isCheckpointFolder(relative: string): boolean {
  const [top, id, ...rest] = relative.split(sep);
  return top === BOTTLE_FILES.checkpoints && id !== undefined && isCheckpointId(id) && rest.length === 0;
}

/** One core's state-folder sizes (`CoreDeps.caches`): forgotten with the bottle, dropped with the core. */
export class StateSizes implements BottleCache {
  /** Per bottle, the cached folders' totals by path. */
  private readonly cachedTotals = new Map<string, Map<string, { key: string; bytes: number }>>();
  private readonly lastKnown = new Map<string, number>();

  /**
   * Bytes in the bottle's state folder now (files at their apparent size); remembered for listings.
   * Null when part of it cannot be read (permissions, I/O): a size that leaves it out would be a
   * wrong number, and the view that shows it must not fail for it.
   */
  async measure(identity: string): Promise<number | null> {
    const totals = this.cachedTotals.get(identity) ?? new Map<string, { key: string; bytes: number }>();
    this.cachedTotals.set(identity, totals);
    let total: number;
    try {
      total = await walk(totals, bottlePaths(identity).dir, '');
    } catch (error: unknown) {
      this.lastKnown.delete(identity);
      // A bug is no file-system answer: never hidden as an unknown size.
      if (errorCode(error) === undefined) throw error;
      // The card shows no size rather than a smaller one.
      return null;
    }
    this.lastKnown.set(identity, total);
    return total;
  }

  /** The last size computed for the bottle by this core, or null: no I/O, for listings. */
  known(identity: string): number | null {
    return this.lastKnown.get(identity) ?? null;
  }

  size(): number {
    let entries = this.lastKnown.size;
    for (const totals of this.cachedTotals.values()) entries += totals.size;
    return entries;
  }

  has(identity: string): boolean {
    return this.lastKnown.has(identity) || this.cachedTotals.has(identity);
  }

  forget(identity: string): void {
    this.cachedTotals.delete(identity);
    this.lastKnown.delete(identity);
  }

  clear(): void {
    this.cachedTotals.clear();
    this.lastKnown.clear();
  }
}

/** Bytes under `path`; `relative` is its path inside the state folder. */
async function walk(cachedTotals: Map<string, { key: string; bytes: number }>, path: string, relative: string): Promise<number> {
  // Removed while the folder is walked (a snapshot replaced, a request taken in): it counts nothing.
  const info = await ifExists(lstat(path));
  if (info === null) return 0;
  if (!info.isDirectory()) return info.size;
  const key = CACHED_FOLDERS.has(relative) || isCheckpointFolder(relative) ? `${info.dev}:${info.ino}:${info.mtimeMs}` : null;
  const cached = key === null ? undefined : cachedTotals.get(path);
  if (cached !== undefined && cached.key === key) return cached.bytes;
  let total = 0;
  const names = (await ifExists(readdir(path))) ?? [];
  for (const name of names) total += await walk(cachedTotals, join(path, name), relative === '' ? name : join(relative, name));
  if (key !== null) cachedTotals.set(path, { key, bytes: total });
  return total;
}
