import { constants } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { ArchiveEntry, ArchiveOwner } from './container-archive';
import { overlaps } from './container-rootfs';
import { imageEntry, makeLayerParents } from './layer-parents';
import { ifExists } from '../fs/if-exists';

/*
 * The small files a launch puts in (the gateway's CA, the ssh config, the login placeholders, the
 * bottle's empty folders) written straight into a created container's writable layer, as the
 * engine's extraction of putFolders' archive leaves them: each entry's owner, mode and time; a
 * missing parent made root's 0755, as the engine makes it; a file of the image's replaced (the
 * layer's file hides it). The archive's round trip (the engine mounts the container's filesystem to
 * unpack it) cost 55-70 ms of every local start and resume. The container is created, not started:
 * nothing but this process writes its layer meanwhile. Anything this does not know how to do the
 * engine's way (a link or a file where a folder goes, a folder where a file goes, a path under a
 * mount, an image folder that may be opaque) is left, with every entry after it, to the API.
 */

/** A created container's writable layer on this machine, the image's layers under it (topmost first), and its mount points. */
export interface LayerDirs {
  upper: string;
  lowers: string[];
  /** Where volumes, binds and tmpfs mounts go in the container: what is written there goes into them, not the layer. */
  mounts: string[];
}

/** Whether every parent of `relative` the layer holds is a plain folder (the first one it lacks ends the walk). */
async function plainLayerParents(upper: string, relative: string): Promise<boolean> {
  const parts = relative.split('/');
  for (let index = 1; index < parts.length; index++) {
    const info = await ifExists(lstat(join(upper, ...parts.slice(0, index))));
    if (info === null) return true;
    if (!info.isDirectory()) return false;
  }
  return true;
}

/** The archive's time: whole seconds, as a tar header carries it. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

async function writeFileEntry(path: string, entry: ArchiveEntry, owner: ArchiveOwner, mtime: Date): Promise<void> {
  // Exclusive and not through a link: nothing is there (checked), and nothing is overwritten if that changed.
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let file: FileHandle | null = await open(path, flags, 0o600);
  try {
    await file.writeFile(entry.content ?? Buffer.alloc(0));
    await file.chown(owner.uid, owner.gid);
    await file.chmod(entry.mode & 0o7777);
    await file.utimes(mtime, mtime);
    await file.close();
    file = null;
  } catch (error: unknown) {
    await file?.close();
    await rm(path, { force: true });
    throw error;
  }
}

/** One entry; false (nothing of it written) when it is not one this can write the engine's way. */
async function writeEntry(layer: LayerDirs, entry: ArchiveEntry, owner: ArchiveOwner, folders: Map<string, Date>): Promise<boolean> {
  if (!isAbsolute(entry.target)) return false;
  const relative = posix.normalize(entry.target).replace(/^\/+/, '').replace(/\/+$/, '');
  if (relative === '' || relative.split('/').includes('..')) return false;
  // Under a mount (or holding one) the engine's extraction writes into the mount: only the API does that.
  if (layer.mounts.some((mount) => overlaps(`/${relative}`, mount))) return false;
  // The parents first, so that nothing below is looked up through a link of the layer's.
  if (!(await plainLayerParents(layer.upper, relative))) return false;
  const path = join(layer.upper, relative);
  const here = await ifExists(lstat(path));
  const image = here === null ? await imageEntry(layer.lowers, relative) : null;
  if (image?.kind === 'unknown') return false;
  const imageInfo = image?.kind === 'entry' ? image.info : null;
  const folder = entry.type === 'directory';
  // A folder where something else is, or a file where a folder or anything of the layer's is: the API's.
  if (
    folder
      ? (here !== null && !here.isDirectory()) || (imageInfo !== null && !imageInfo.isDirectory())
      : here !== null || imageInfo?.isDirectory() === true
  )
    return false;
  if (!(await makeLayerParents(layer.upper, layer.lowers, `/${relative}`, true))) return false;
  const by = entry.owner ?? owner;
  const mtime = wholeSeconds(entry.mtime ?? new Date());
  if (!folder) {
    await writeFileEntry(path, entry, by, mtime);
    return true;
  }
  // The engine keeps a folder that is there and gives it the entry's owner, mode and time.
  if (here === null) await mkdir(path, { mode: 0o700 });
  await lchown(path, by.uid, by.gid);
  await chmod(path, entry.mode & 0o7777);
  folders.set(path, mtime);
  return true;
}

/**
 * Writes `entries` into the layer in order, until one it cannot write; returns that one and every
 * entry after it (none: all written), for the engine's API to put in the archive's order. Throws on
 * a failure of the host's filesystem: the caller then puts every entry through the API, which
 * gives what was written here the same owner, mode and content again.
 */
export async function writeEntriesIntoLayer(layer: LayerDirs, entries: ArchiveEntry[], owner: ArchiveOwner): Promise<ArchiveEntry[]> {
  const folders = new Map<string, Date>();
  let index = 0;
  try {
    for (; index < entries.length; index++) {
      if (!(await writeEntry(layer, entries[index] as ArchiveEntry, owner, folders))) break;
    }
  } finally {
    // Last, as the engine does: writing into a folder moved the time it was given.
    for (const [path, mtime] of [...folders].reverse()) await lutimes(path, mtime, mtime);
  }
  return entries.slice(index);
}
