import type { Stats } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { ifExists } from '../fs/if-exists';

/*
 * A file or folder written straight into a created container's writable layer (the agent's
 * transcript folder, /home/node/.claude; the launch's small files) needs its parents in that layer
 * first. Overlayfs shows an upper folder's own owner, mode and times over the image's, so each
 * parent is made as the engine would make it: a copy-up of the image's folder (its owner, mode and
 * times), or, where the image has none, root's 0755 as the engine's extraction makes a missing
 * parent. Anything else (a link or a file on the way, an image folder this cannot judge) is left
 * to the engine's API, which resolves it in the container as it always did.
 */

/** The image's layers, topmost first, as the engine names them for a created container (overlay2's LowerDir). */
export function lowerDirsOf(data: Record<string, unknown>): string[] | null {
  const lower = data.LowerDir;
  if (typeof lower !== 'string' || lower === '') return null;
  const dirs = lower.split(':');
  return dirs.every((dir) => isAbsolute(dir)) ? dirs : null;
}

/** What the image shows at a path: nothing (never there, or deleted), its entry, or something this cannot judge. */
export type ImageEntry = { kind: 'absent' } | { kind: 'entry'; info: Stats } | { kind: 'unknown' };

/** The layer the engine puts over a container's image (overlay2 names it `<id>-init`): its folders are made plainly, never opaque. */
function isInitLayer(dir: string): boolean {
  return /-init\/diff\/?$/.test(dir);
}

function isWhiteout(info: Stats): boolean {
  return info.isCharacterDevice() && info.rdev === 0;
}

/**
 * The image's entry at `relative` (no leading slash), read layer by layer the way overlayfs merges
 * them: each folder on the way from the topmost layer that has it, a whiteout ending the path
 * there. A name found only in a layer below the one its folder came from is 'unknown': that folder
 * may be opaque (deleted and made again in its layer, an xattr this cannot read), hiding it. Only
 * plain folders are walked through: nothing on the host is followed (a link on the way is an
 * entry, and the walk stops at it).
 */
export async function imageEntry(lowers: string[], relative: string): Promise<ImageEntry> {
  const parts = relative.split('/').filter((part) => part !== '');
  // The deepest layer a name may come from: the one its folder came from (all of them for the root).
  let limit = lowers.length - 1;
  for (let index = 0; index < parts.length; index++) {
    const path = parts.slice(0, index + 1).join('/');
    let found: { info: Stats; layer: number } | null = null;
    for (let layer = 0; layer < lowers.length && found === null; layer++) {
      const info = await ifExists(lstat(join(lowers[layer] as string, path)));
      if (info !== null) found = { info, layer };
    }
    if (found === null || isWhiteout(found.info)) return { kind: 'absent' };
    if (found.layer > limit) return { kind: 'unknown' };
    if (index === parts.length - 1) return { kind: 'entry', info: found.info };
    // A file or link where a folder of the path would be: nothing under it is the image's to judge.
    if (!found.info.isDirectory()) return { kind: 'unknown' };
    // The engine's init layer (/etc with hosts and hostname, /dev) is made without opaque folders.
    if (!isInitLayer(lowers[found.layer] as string)) limit = found.layer;
  }
  return { kind: 'unknown' };
}

/** Root's 0755, as the engine's extraction makes a parent the archive does not carry. */
const MADE_PARENT = { uid: 0, gid: 0, mode: 0o755 };

/**
 * Makes every parent of `target` (absolute, in the container) that the writable layer `upper` lacks:
 * a copy-up of the image's folder, or root's 0755 where the image has none (only when `orMake`;
 * else false). False, with nothing made, when a parent is not a plain folder in the layer or the
 * image; on any error too, what it made is removed before the error is thrown.
 */
export async function makeLayerParents(upper: string, lowers: string[], target: string, orMake = false): Promise<boolean> {
  const parts = posix
    .normalize(target)
    .split('/')
    .filter((part) => part !== '');
  const made: string[] = [];
  const undo = async (): Promise<void> => {
    for (const path of made.reverse()) await rm(path, { recursive: true, force: true });
  };
  try {
    const times: { path: string; info: Stats }[] = [];
    for (let index = 1; index < parts.length; index++) {
      const parent = parts.slice(0, index).join('/');
      const path = join(upper, parent);
      const inLayer = await ifExists(lstat(path));
      if (inLayer !== null) {
        if (inLayer.isDirectory()) continue;
        await undo();
        return false;
      }
      const image = await imageEntry(lowers, parent);
      const folder = image.kind === 'entry' && image.info.isDirectory() ? image.info : null;
      if (folder === null && !(image.kind === 'absent' && orMake)) {
        await undo();
        return false;
      }
      const owner = folder === null ? MADE_PARENT : { uid: folder.uid, gid: folder.gid, mode: folder.mode & 0o7777 };
      await mkdir(path, { mode: 0o700 });
      made.push(path);
      await lchown(path, owner.uid, owner.gid);
      // After the chown, which clears setuid and setgid bits.
      await chmod(path, owner.mode);
      if (folder !== null) times.push({ path, info: folder });
    }
    // Times last, children before parents: making a child moves its parent's time.
    for (const { path, info } of times.reverse()) await lutimes(path, info.atime, info.mtime);
    return true;
  } catch (error: unknown) {
    await undo();
    throw error;
  }
}
