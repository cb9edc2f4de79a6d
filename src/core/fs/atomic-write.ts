import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temp file we create; listings and watchers ignore names starting with it. */
export const TEMP_PREFIX = '.tmp-';

/**
 * Writes `content` to `path` atomically: a temp file in the same folder, fsync, then rename.
 * A crash or a full disk leaves the previous file intact and at most a stray temp file.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  mode = 0o600,
  options: { durable?: boolean; mtime?: Date } = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      // The requested mode, not what the process umask leaves of it: inbox responses must stay
      // readable by an agent running under another uid.
      await handle.chmod(mode);
      await handle.writeFile(content);
      // Set before the rename, so no reader ever sees the file with the wrong time.
      if (options.mtime !== undefined) await handle.utimes(options.mtime, options.mtime);
      // Not durable: the caller syncs the folder once for a whole batch (see syncFolder).
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error: unknown) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Makes a batch of non-durable writes in a folder durable at once: an fsync of the folder commits
 * the renames, and with them (on journaling filesystems in ordered mode) the data written before.
 */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
