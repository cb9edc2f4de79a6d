import { lutimes, realpath } from 'node:fs/promises';
import { isDirectory } from '../fs/is-directory';
import { bottlePaths } from '../state/state-paths';
import { dockerignoreMatcher, readBaseline } from './baseline';
import { walkFolder } from './host-walk';
import { hostPathOf } from './relative-path';
import { verifySnapshot } from './snapshot-proof';

/**
 * Before a resume puts the snapshot back into the bottle: every snapshot file whose size and
 * modification time match the baseline but whose content does not (the agent set the time back to
 * hide an edit) gets the current time. The running bottle's Changes take a file given before the
 * start with its baseline's size and time as unchanged (its ctime is the copy's, not the agent's);
 * with a time the baseline cannot match, the edit is read and shown. Only the time changes: the
 * agent's content stays. Returns the paths given a new time.
 */
export async function unforgeSnapshot(identity: string): Promise<string[]> {
  const baseline = await readBaseline(identity);
  if (baseline === null || 'unavailable' in baseline || baseline.mode !== 'copy') return [];
  const root = bottlePaths(identity).workspace;
  if (!(await isDirectory(root))) return [];
  const walk = await walkFolder(root, dockerignoreMatcher(baseline.dockerignore));
  const { forged } = await verifySnapshot(identity, baseline, root, await realpath(root), walk.entries.values());
  const now = new Date();
  for (const path of forged) await lutimes(hostPathOf(root, path), now, now);
  return forged;
}
