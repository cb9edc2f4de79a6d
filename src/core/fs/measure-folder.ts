import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing } from './if-exists';

export interface FolderLimits {
  maxBytes: number;
  maxEntries: number;
}

export interface FolderMeasure {
  /** Bytes counted: the folder's total when `over` is null, else at least the limit that stopped the walk. */
  bytes: number;
  /** Entries (files, folders, links, anything) counted below the folder. */
  entries: number;
  /**
   * Why the walk stopped early: over one of the limits, or at an entry the host could not read
   * (a folder the agent made unreadable, a path too long to name): what is behind it cannot be
   * bounded, so the caller treats it as over. Null: every entry was counted and is within both.
   */
  over: 'bytes' | 'entries' | 'unreadable' | null;
}

/** Errors that mean "this entry went away meanwhile": the agent may delete while we count. */
function vanished(error: unknown): boolean {
  return isMissing(error);
}

/**
 * What a folder the agent writes takes on the host's disk, counted against limits. A bounded walk:
 * lstat only (a symlink counts as itself and is never followed, so nothing outside is measured),
 * each entry at the larger of its apparent size and its allocated blocks (a sparse file counts at
 * its full length, a folder at its blocks), and the walk stops as soon as either limit is passed,
 * so a huge or million-entry folder costs at most `maxEntries` lstat calls and never a listing
 * held in memory whole (folders are read as streams). A missing folder measures zero.
 */
export async function measureFolder(root: string, limits: FolderLimits): Promise<FolderMeasure> {
  const result: FolderMeasure = { bytes: 0, entries: 0, over: null };
  const folders: string[] = [root];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let dir;
    try {
      dir = await opendir(folder, { bufferSize: 64 });
    } catch (error: unknown) {
      if (vanished(error)) continue;
      result.over = 'unreadable';
      return result;
    }
    try {
      for await (const dirent of dir) {
        const path = join(folder, dirent.name);
        let info;
        try {
          info = await lstat(path);
        } catch (error: unknown) {
          if (vanished(error)) continue;
          result.over = 'unreadable';
          return result;
        }
        result.entries += 1;
        result.bytes += Math.max(info.size, info.blocks * 512);
        if (result.bytes > limits.maxBytes) result.over = 'bytes';
        else if (result.entries > limits.maxEntries) result.over = 'entries';
        // Leaving the loop closes the folder's handle.
        if (result.over !== null) return result;
        if (info.isDirectory()) folders.push(path);
      }
    } catch (error: unknown) {
      // The folder went away while it was read: what it held is gone too.
      if (vanished(error)) continue;
      result.over = 'unreadable';
      return result;
    }
  }
  return result;
}
