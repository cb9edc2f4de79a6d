import { randomBytes } from 'node:crypto';
import { copyFile, lstat, lutimes, readlink, realpath, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { isDirectory } from '../fs/is-directory';
import { bottlePaths } from '../state/state-paths';
import { dockerignoreMatcher, readBaseline } from './baseline';
import { walkFolder } from './host-walk';
import { hostPathOf } from './relative-path';
import { verifySnapshot } from './snapshot-proof';

/**
 * Puts a new copy of a snapshot entry (same content and mode) in its place, with the current time.
 * Replaced, never written in place: checkpoints and forks hard-link the snapshot's files.
 */
async function replaceWithNewTime(path: string, now: Date): Promise<void> {
  const temp = join(dirname(path), `${TEMP_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`);
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) await symlink(await readlink(path), temp);
    else await copyFile(path, temp);
    await lutimes(temp, now, now);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Before a resume puts the snapshot back into the bottle: every snapshot file whose size and
 * modification time match the baseline but whose content does not (the agent set the time back to
 * hide an edit) gets the current time. The running bottle's Changes take a file given before the
 * start with its baseline's size and time as unchanged (its ctime is the copy's, not the agent's);
 * with a time the baseline cannot match, the edit is read and shown. Only the time changes: the
 * agent's content and mode stay. Returns the paths given a new time.
 */
export async function unforgeSnapshot(identity: string): Promise<string[]> {
  const baseline = await readBaseline(identity);
  if (baseline === null || 'unavailable' in baseline || baseline.mode !== 'copy') return [];
  const root = bottlePaths(identity).workspace;
  if (!(await isDirectory(root))) return [];
  const walk = await walkFolder(root, dockerignoreMatcher(baseline.dockerignore));
  const { forged } = await verifySnapshot(identity, baseline, root, await realpath(root), walk.entries.values());
  const now = new Date();
  for (const path of forged) await replaceWithNewTime(hostPathOf(root, path), now);
  return forged;
}
