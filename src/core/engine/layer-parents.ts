import { lstat, lutimes, lchown, mkdir, chmod } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';

/*
 * A folder deep in the image (the agent's transcript folder, /home/node/.claude) copied straight
 * into a created container's writable layer needs its parents in that layer first. Overlayfs
 * shows an upper folder's own owner, mode and times over the image's, so each parent is made as
 * the engine's copy-up would make it: with the owner, mode and times of the image's folder. Only
 * a path whose every parent the image holds as a plain folder qualifies; anything else (a link,
 * a file, a deleted or missing folder) is left to the engine's API, which resolves it in the
 * container as it always did.
 */

/** The image's layers, topmost first, as the engine names them for a created container (overlay2's LowerDir). */
export function lowerDirsOf(data: Record<string, unknown>): string[] | null {
  const lower = data.LowerDir;
  if (typeof lower !== 'string' || lower === '') return null;
  const dirs = lower.split(':');
  return dirs.every((dir) => isAbsolute(dir)) ? dirs : null;
}

/** The topmost layer's entry at `path`, when it is a plain folder; null for anything else (not there, deleted, a link, a file). */
async function imageFolder(
  lowers: string[],
  path: string,
): Promise<{ mode: number; uid: number; gid: number; atime: Date; mtime: Date } | null> {
  for (const lower of lowers) {
    const info = await lstat(join(lower, path)).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'ENOENT' || (error as { code?: unknown }).code === 'ENOTDIR') return null;
      throw error;
    });
    if (info === null) continue;
    // A whiteout (a 0/0 character device) or anything but a folder: not a folder the image holds.
    return info.isDirectory() ? { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid, atime: info.atime, mtime: info.mtime } : null;
  }
  return null;
}

/**
 * Makes every parent of `target` (absolute, in the container) in the writable layer `upper` as
 * the image has it; false, with nothing made, when a parent is not a plain folder of the image or
 * is in the layer already (then the caller copies through the engine's API instead).
 */
export async function makeLayerParents(upper: string, lowers: string[], target: string): Promise<boolean> {
  const parts = posix
    .normalize(target)
    .split('/')
    .filter((part) => part !== '');
  const parents: string[] = [];
  for (let index = 1; index < parts.length; index++) parents.push(parts.slice(0, index).join('/'));
  const made: { path: string; folder: NonNullable<Awaited<ReturnType<typeof imageFolder>>> }[] = [];
  for (const parent of parents) {
    const folder = await imageFolder(lowers, parent);
    if (folder === null) return false;
    const inLayer = await lstat(join(upper, parent)).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'ENOENT') return null;
      throw error;
    });
    if (inLayer !== null) return false;
    made.push({ path: join(upper, parent), folder });
  }
  for (const { path, folder } of made) {
    await mkdir(path, { mode: 0o700 });
    await lchown(path, folder.uid, folder.gid);
    // After the chown, which clears setuid and setgid bits.
    await chmod(path, folder.mode);
  }
  // Times last, children before parents: making a child moves its parent's time.
  for (const { path, folder } of [...made].reverse()) await lutimes(path, folder.atime, folder.mtime);
  return true;
}
