/**
 * The one wording of the note that bottles of other claude-bottle instances (other state roots)
 * share the engine and are left out: `ls` and the list header say the same thing. Null when none.
 */
export function otherInstancesNote(count: number): string | null {
  if (count <= 0) return null;
  const bottles = count === 1 ? '1 bottle' : `${count} bottles`;
  return `${bottles} of another claude-bottle instance (another state root) on this engine ${count === 1 ? 'is' : 'are'} not shown`;
}
