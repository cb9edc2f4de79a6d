import { MAX_SELECTED_PATHS, type FileChange } from '../../shared/changes';
import { BottleError } from '../base/bottle-error';
import { parseRelativePath } from './relative-path';

/**
 * The changes a per-file action names, by their path or (a rename) their old path: a rename is
 * one change, so naming either side takes both. A path that is not among the changes is a
 * one-line error before anything is done, so a typo never applies or discards something else.
 */
export function selectChanges(identity: string, changes: FileChange[], rawPaths: readonly string[]): FileChange[] {
  if (rawPaths.length > MAX_SELECTED_PATHS) throw new BottleError('invalid-argument', `at most ${MAX_SELECTED_PATHS} paths at once`);
  const wanted = new Set(rawPaths.map(parseRelativePath));
  const chosen = changes.filter((change) => wanted.has(change.path) || (change.oldPath !== null && wanted.has(change.oldPath)));
  for (const path of wanted) {
    if (!chosen.some((change) => change.path === path || change.oldPath === path))
      throw new BottleError('not-found', `${path} is not among the changes of ${identity}`);
  }
  return chosen;
}
