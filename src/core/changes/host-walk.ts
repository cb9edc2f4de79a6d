import { lstat, readdir, readlink } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';
import { mapLimited } from '../state/state-listing';
import { hostPathOf } from './relative-path';

/** One file or symlink of a folder on the host, as lstat saw it (never following a link). */
export interface WalkEntry {
  path: string;
  kind: 'file' | 'symlink';
  size: number;
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  target: string | null;
}

export interface WalkResult {
  entries: Map<string, WalkEntry>;
  /** Folders left out whole by the ignore rules. */
  prunedDirs: string[];
  /** Sockets, FIFOs and devices: never compared, never copied. */
  skipped: string[];
  /** `.git` entries below the top (nested repositories, submodule checkouts): never listed, but reported. */
  gitEntries: string[];
}

/** A tree larger than this is refused rather than held in memory. */
export const MAX_WALK_ENTRIES = 1_000_000;

/**
 * Lists a folder on the host recursively: regular files and symlinks (links are read, never
 * followed), `.git` folders left out at any depth, and paths the ignore rules leave out skipped
 * whole, the way the copy into a bottle skips them.
 */
export async function walkFolder(root: string, ignore?: (path: string) => boolean): Promise<WalkResult> {
  const entries = new Map<string, WalkEntry>();
  const prunedDirs: string[] = [];
  const skipped: string[] = [];
  const gitEntries: string[] = [];
  let pending = [''];
  while (pending.length > 0) {
    const next: string[] = [];
    await mapLimited(pending, 8, async (dir) => {
      let names;
      try {
        names = await readdir(hostPathOf(root, dir || '.'), { withFileTypes: true });
      } catch (error: unknown) {
        // A folder that vanished or cannot be read mid-walk is left out, as the copy would.
        if (['ENOENT', 'EACCES', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
        throw error;
      }
      await mapLimited(names, 16, async (dirent) => {
        const path = dir === '' ? dirent.name : `${dir}/${dirent.name}`;
        if (dirent.name === '.git') {
          if (dir !== '') gitEntries.push(path);
          return;
        }
        if (ignore?.(path) === true) {
          if (dirent.isDirectory()) prunedDirs.push(path);
          return;
        }
        if (dirent.isDirectory()) {
          next.push(path);
          return;
        }
        const full = hostPathOf(root, path);
        // Gone mid-walk, or behind a folder that cannot be entered: left out, as a folder is above.
        const info = await ifExists(lstat(full), ['EACCES']);
        if (info === null) return;
        if (info.isDirectory()) {
          next.push(path);
          return;
        }
        if (!info.isFile() && !info.isSymbolicLink()) {
          skipped.push(path);
          return;
        }
        // EINVAL: no longer a link since the lstat (the agent swapped it); it is left out like one gone.
        const target = info.isSymbolicLink() ? await ifExists(readlink(full), ['EINVAL', 'EACCES']) : null;
        if (info.isSymbolicLink() && target === null) return;
        entries.set(path, {
          path,
          kind: info.isSymbolicLink() ? 'symlink' : 'file',
          size: info.size,
          mode: info.mode & 0o7777,
          mtimeMs: info.mtimeMs,
          ctimeMs: info.ctimeMs,
          ino: info.ino,
          target,
        });
        if (entries.size > MAX_WALK_ENTRIES) throw new Error(`more than ${MAX_WALK_ENTRIES} files under ${root}`);
      });
    });
    pending = next;
  }
  return { entries, prunedDirs: prunedDirs.sort(), skipped: skipped.sort(), gitEntries: gitEntries.sort() };
}
