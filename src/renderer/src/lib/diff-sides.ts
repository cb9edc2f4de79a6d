import { applyPatch, parsePatch, reversePatch } from 'diff';

/** Both sides of one file's change, for a side-by-side view. */
export interface DiffSides {
  before: string;
  after: string;
}

/**
 * The start's version of a file, rebuilt from the agent's version and the diff between them: the
 * core sends the agent's side whole (`changes:file` content) and the diff, never the baseline
 * itself, so the diff is applied backwards. Null when the diff does not fit the text (it changed
 * between the two reads): the caller falls back to the plain diff.
 */
export function diffSides(diff: string, after: string): DiffSides | null {
  const patches = parsePatch(diff);
  const [patch] = patches;
  if (patch === undefined || patches.length !== 1) return null;
  const before = applyPatch(after, reversePatch(patch));
  return before === false ? null : { before, after };
}
