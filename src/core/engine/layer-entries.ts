import { constants } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { Stats } from 'node:fs';
import type { ArchiveEntry, ArchiveOwner } from './container-archive';

/*
 * The small files a launch puts in (the gateway's CA, the ssh config, the login placeholders, the
 * bottle's empty folders) written straight into a created container's writable layer, as the
 * engine's extraction of putFolders' archive leaves them: each entry's owner, mode and time; a
 * missing parent made root's 0755, as the engine makes it; a file of the image's replaced (the
 * layer's file hides it). The archive's round trip (the engine mounts the container's filesystem to
 * unpack it) cost 55-70 ms of every local start and resume. The container is created, not started:
 * nothing but this process writes its layer meanwhile. Anything this does not know how to do the
 * engine's way (a link or a file where a folder goes, a folder where a file goes) is left, with
 * every entry after it, to the API.
 */

/** A created container's writable layer on this machine, and the image's layers under it (topmost first). */
export interface LayerDirs {
  upper: string;
  lowers: string[];
}

/** An entry's parent folders, the engine's way: the image's when it has them, else root's 0755. */
const MADE_PARENT = { uid: 0, gid: 0, mode: 0o755 };

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error: unknown) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

/** What the image holds at `path`: the topmost layer's entry (null: none, or a whiteout: deleted). */
async function inImage(lowers: string[], path: string): Promise<Stats | null> {
  for (const lower of lowers) {
    const info = await lstatOrNull(join(lower, path));
    if (info === null) continue;
    // A whiteout (a 0/0 character device): the image deleted it.
    return info.isCharacterDevice() && info.rdev === 0 ? null : info;
  }
  return null;
}

/**
 * Makes the parents of `relative` in the layer that it lacks: as the image has them (a copy-up),
 * or root's 0755 where the image has none. False when a parent is anything but a folder, in the
 * layer or the image.
 */
async function layerParents(layer: LayerDirs, relative: string, made: string[]): Promise<boolean> {
  const parts = relative.split('/');
  for (let index = 1; index < parts.length; index++) {
    const parent = parts.slice(0, index).join('/');
    const path = join(layer.upper, parent);
    const here = await lstatOrNull(path);
    if (here !== null) {
      if (!here.isDirectory()) return false;
      continue;
    }
    const image = await inImage(layer.lowers, parent);
    if (image !== null && !image.isDirectory()) return false;
    const folder = image === null ? MADE_PARENT : { uid: image.uid, gid: image.gid, mode: image.mode & 0o7777 };
    await mkdir(path, { mode: 0o700 });
    made.push(path);
    await lchown(path, folder.uid, folder.gid);
    // After the chown, which clears setuid and setgid bits.
    await chmod(path, folder.mode);
    if (image !== null) await lutimes(path, image.atime, image.mtime);
  }
  return true;
}

/** layerParents, with the parents it made removed again when it returns false. */
async function withParents(layer: LayerDirs, relative: string): Promise<boolean> {
  const made: string[] = [];
  if (await layerParents(layer, relative, made)) return true;
  for (const folder of made.reverse()) await rm(folder, { recursive: true, force: true });
  return false;
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
  const path = join(layer.upper, relative);
  const here = await lstatOrNull(path);
  const image = here === null ? await inImage(layer.lowers, relative) : null;
  const by = entry.owner ?? owner;
  const mtime = entry.mtime ?? new Date();
  if (entry.type === 'directory') {
    if ((here !== null && !here.isDirectory()) || (image !== null && !image.isDirectory())) return false;
    if (!(await withParents(layer, relative))) return false;
    // The engine keeps a folder that is there and gives it the entry's owner, mode and time.
    if (here === null) await mkdir(path, { mode: 0o700 });
    await lchown(path, by.uid, by.gid);
    await chmod(path, entry.mode & 0o7777);
    folders.set(path, mtime);
    return true;
  }
  // A file where a folder is (in the layer or the image), or anything already in the layer: the API's.
  if (here !== null || (image !== null && image.isDirectory())) return false;
  if (!(await withParents(layer, relative))) return false;
  await writeFileEntry(path, entry, by, mtime);
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
