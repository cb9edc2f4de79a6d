import { chmod, cp, link, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../fs/if-exists';

/** Copies keep links as links, modes and times: what the fork gets is what the checkpoint holds. */
const COPY = { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false, preserveTimestamps: true } as const;

/**
 * `from` recreated at `to` (which must not exist) with every file hard-linked, not copied: a fork
 * of a 200 MB checkpoint costs no second 200 MB write. Safe because neither side is ever written
 * in place: a snapshot is replaced whole by the next save (extracted aside, then swapped), and a
 * checkpoint is never changed once made; dropping either leaves the other's files. Folders are made
 * with their modes, links recreated as links (never followed). Where the filesystem refuses a hard
 * link (another device, no support), the whole tree is copied instead.
 */
export async function linkTree(from: string, to: string): Promise<void> {
  try {
    await linkInto(from, to);
  } catch (error: unknown) {
    const code = errorCode(error);
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
    await rm(to, { recursive: true, force: true });
    await cp(from, to, COPY);
  }
}

async function linkInto(from: string, to: string): Promise<void> {
  const info = await lstat(from);
  if (info.isSymbolicLink()) {
    await symlink(await readlink(from), to);
    return;
  }
  if (!info.isDirectory()) {
    await link(from, to);
    return;
  }
  // Writable by us while filled; its own mode after.
  await mkdir(to, { mode: 0o700 });
  for (const name of await readdir(from)) await linkInto(join(from, name), join(to, name));
  await chmod(to, info.mode & 0o7777);
}
