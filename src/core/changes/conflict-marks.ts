import type { FileChange } from '../../shared/changes';
import { mapLimited } from '../state/state-listing';
import type { AppliedRecord } from './applied-record';
import { planApply } from './apply-plan';
import type { Baseline } from './baseline-types';
import { hostStamp } from './host-state';

/** Every path a change touches in the project folder (a rename's old name too). */
function touchedPaths(files: readonly FileChange[]): string[] {
  return files.flatMap((file) => (file.oldPath !== null && file.oldPath !== file.path ? [file.oldPath, file.path] : [file.path]));
}

/**
 * What the project folder holds at every path the changes touch (size, time, inode): a cheap sign
 * the operator edited one of them, so conflicts are looked for again even when the agent did nothing.
 */
export async function hostStampsOf(root: string, files: readonly FileChange[]): Promise<string> {
  const stamps = await mapLimited(touchedPaths(files), 16, (path) => hostStamp(root, path));
  return stamps.join('\n');
}

/**
 * Copy mode: marks the changes that applying now would leave as conflicts (the operator changed
 * the file too), by the very rules apply follows, so the Changes view offers to resolve them
 * before an apply as well as after one.
 */
export async function markConflicts(identity: string, baseline: Baseline, files: FileChange[], applied: AppliedRecord): Promise<void> {
  const open = files.filter((file) => !file.applied);
  const steps = await planApply({ identity, baseline, changes: open, applied, sidecars: false });
  const conflicted = new Set(steps.filter((step) => step.action === 'conflict').map((step) => step.path));
  for (const file of files) file.conflict = conflicted.has(file.path) || (file.oldPath !== null && conflicted.has(file.oldPath));
}
