import { constants } from 'node:fs';
import { copyFile, chmod, lchown, lstat, lutimes, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { eachLimited } from '../base/each-limited';
import type { ArchiveOwner } from './container-archive';

/** What one folder source copies, as putFolders' archive would put it. */
export interface TreeCopy {
  /** Host folder whose contents go in. */
  from: string;
  /** The folder to fill (in a container's upper dir); created, or an empty folder already there. */
  to: string;
  owner: ArchiveOwner;
  readOnly: boolean;
  /** Names relative to `from` (host separators) to leave out, as putFolders' `ignore`. */
  ignore?: (relativePath: string) => boolean;
}

/** Files copied at once: enough to keep the disk busy with small files, few enough for 2 cores. */
const FILES_AT_ONCE = 8;

interface Listed {
  relative: string;
  kind: 'directory' | 'file' | 'symlink';
  mode: number;
  /** Whole seconds, as a tar header carries it (the engine sets what the archive says). */
  mtime: number;
}

/**
 * Copies a folder into a container's writable layer directly, giving every entry what the engine
 * gives an archive entry putFolders packs (tar-fs: the host mode less the umask, the owner given,
 * the mtime in whole seconds): folders made, regular files copied (copy_file_range, never a hard
 * link, which would let the agent write through into our copy), links made with their target
 * verbatim, sockets, FIFOs and devices skipped as tar-fs skips them. Nothing is followed on either
 * side: the source is read with lstat, and every destination is created exclusively (a name that
 * is already there fails the copy), so nothing is written through a link. Throws on any failure,
 * with what it wrote removed, for the caller to copy another way.
 */
export async function copyTreeInto(copy: TreeCopy, umask: number): Promise<void> {
  const listed = await listTree(copy);
  const modeOf = (entry: Listed): number => {
    const mode = entry.mode & 0o7777 & ~umask;
    return copy.readOnly ? mode & ~0o222 : mode;
  };
  const target = (entry: Listed): string => (entry.relative === '' ? copy.to : join(copy.to, entry.relative));
  await requireEmptyFolder(copy.to);
  try {
    await fillTree(copy, listed, modeOf, target);
  } catch (error: unknown) {
    // Only what this copy wrote: the folder was empty (or not there) when it began.
    await emptyFolder(copy.to);
    throw error;
  }
}

async function fillTree(
  copy: TreeCopy,
  listed: Listed[],
  modeOf: (entry: Listed) => number,
  target: (entry: Listed) => string,
): Promise<void> {
  // Folders first, parents before children (the listing's order), private to root until filled.
  for (const entry of listed) if (entry.kind === 'directory' && entry.relative !== '') await mkdir(target(entry), { mode: 0o700 });
  const leaves = listed.filter((entry) => entry.kind !== 'directory');
  await eachLimited(leaves, FILES_AT_ONCE, async (entry) => {
    const path = target(entry);
    const source = join(copy.from, entry.relative);
    if (entry.kind === 'symlink') await symlink(await readlink(source), path);
    else await copyFile(source, path, constants.COPYFILE_EXCL);
    await lchown(path, copy.owner.uid, copy.owner.gid);
    // After the chown, which clears setuid and setgid bits; a link's own mode means nothing.
    if (entry.kind === 'file') await chmod(path, modeOf(entry));
    await lutimes(path, entry.mtime, entry.mtime);
  });
  // Folders last, children before parents, so filling them does not move their times again.
  for (const entry of [...listed].reverse()) {
    if (entry.kind !== 'directory') continue;
    const path = target(entry);
    await lchown(path, copy.owner.uid, copy.owner.gid);
    await chmod(path, modeOf(entry));
    await lutimes(path, entry.mtime, entry.mtime);
  }
}

/** Removes everything inside a folder (a direct copy that failed midway), keeping the folder. */
async function emptyFolder(folder: string): Promise<void> {
  const names = await readdir(folder).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return [] as string[];
    throw error;
  });
  for (const name of names) await rm(join(folder, name), { recursive: true, force: true });
}

/** The source folder, parents before children, each entry lstat'ed (never followed). */
async function listTree(copy: TreeCopy): Promise<Listed[]> {
  const listed: Listed[] = [];
  const visit = async (relative: string): Promise<void> => {
    const info = await lstat(relative === '' ? copy.from : join(copy.from, relative));
    const kind = info.isDirectory() ? 'directory' : info.isFile() ? 'file' : info.isSymbolicLink() ? 'symlink' : null;
    if (kind === null) return;
    listed.push({ relative, kind, mode: info.mode, mtime: Math.floor(info.mtimeMs / 1000) });
    if (kind !== 'directory') return;
    const names = (await readdir(relative === '' ? copy.from : join(copy.from, relative))).sort();
    for (const name of names) {
      const child = relative === '' ? name : join(relative, name);
      if (copy.ignore?.(child) !== true) await visit(child);
    }
  };
  await visit('');
  return listed;
}

/** The top folder may be one the engine made at create (the image's WORKDIR): only an empty real folder is taken. */
async function requireEmptyFolder(path: string): Promise<void> {
  const info = await lstat(path).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw error;
  });
  if (info === null) {
    await mkdir(path, { mode: 0o700 });
    return;
  }
  if (!info.isDirectory() || (await readdir(path)).length > 0) throw new Error(`${path} is already there and not an empty folder`);
}
