import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SnapshotTooLargeError } from '../engine/container-archive';

/** What a linked tree holds, at apparent size (as folderBytes counts it). */
export interface LinkedTree {
  bytes: number;
  /** Files that could not be linked (another file system) and were copied instead. */
  copied: number;
}

/**
 * Recreates the folder `from` at `to` with every regular file hard-linked, not copied: an approval's
 * checkpoint of the snapshots its teardown just saved costs a walk, not the bytes. Safe because a
 * snapshot is never written in place (each save extracts a new folder and swaps it in by rename,
 * container-archive.ts), and a restore copies out of a checkpoint. Links stay links (never
 * followed); anything else (FIFOs, devices, which a snapshot never holds) is left out. Past
 * `limit` bytes it stops at once (SnapshotTooLargeError) and the caller discards what it made.
 */
export async function linkTree(from: string, to: string, limit: number): Promise<LinkedTree> {
  const tree: LinkedTree = { bytes: 0, copied: 0 };
  await linkFolder(from, to, limit, tree);
  return tree;
}

async function linkFolder(from: string, to: string, limit: number, tree: LinkedTree): Promise<void> {
  const info = await lstat(from);
  // Made writable for us while it is filled; its own mode is put back after.
  await mkdir(to, { mode: 0o700 });
  for (const name of await readdir(from)) {
    const source = join(from, name);
    const dest = join(to, name);
    const entry = await lstat(source);
    if (entry.isDirectory()) {
      await linkFolder(source, dest, limit, tree);
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    tree.bytes += entry.size;
    if (tree.bytes > limit) throw new SnapshotTooLargeError(from);
    if (entry.isSymbolicLink()) await symlink(await readlink(source), dest);
    else await linkOrCopy(source, dest, tree);
  }
  await chmod(to, (info.mode & 0o777) | 0o700);
}

async function linkOrCopy(source: string, dest: string, tree: LinkedTree): Promise<void> {
  try {
    await link(source, dest);
  } catch (error: unknown) {
    // Another file system (EXDEV) or one without hard links (EPERM): a copy holds the same bytes.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw error;
    await copyFile(source, dest);
    tree.copied += 1;
  }
}
