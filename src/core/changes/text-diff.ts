import { structuredPatch } from 'diff';

export interface TextDiff {
  /** Unified diff (`---`/`+++` headers, hunks), cut after `maxLines` hunk lines when asked. */
  diff: string;
  insertions: number;
  deletions: number;
  truncated: boolean;
  /** The texts were too different to diff within the time allowed. */
  gaveUp: boolean;
}

/** Line-diffing two very different large texts can take long: give up after this. */
const DIFF_TIMEOUT_MS = 5_000;

/**
 * A unified diff of two texts (null for a side that does not exist), with line counts. Lines
 * beyond `maxLines` are dropped and the result marked truncated; the counts stay whole.
 */
export function unifiedDiff(
  oldPath: string | null,
  newPath: string | null,
  oldText: string | null,
  newText: string | null,
  maxLines = Number.POSITIVE_INFINITY,
): TextDiff {
  const patch = structuredPatch(
    oldPath === null ? '/dev/null' : `a/${oldPath}`,
    newPath === null ? '/dev/null' : `b/${newPath}`,
    oldText ?? '',
    newText ?? '',
    undefined,
    undefined,
    {
      context: 3,
      timeout: DIFF_TIMEOUT_MS,
    },
  );
  if (patch === undefined) return { diff: '', insertions: 0, deletions: 0, truncated: true, gaveUp: true };
  const out = [`--- ${patch.oldFileName}`, `+++ ${patch.newFileName}`];
  let insertions = 0;
  let deletions = 0;
  let shown = 0;
  let truncated = false;
  for (const hunk of patch.hunks) {
    for (const line of hunk.lines) {
      if (line.startsWith('+')) insertions += 1;
      else if (line.startsWith('-')) deletions += 1;
    }
    if (truncated) continue;
    if (shown + hunk.lines.length + 1 > maxLines) {
      truncated = true;
      continue;
    }
    const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
    out.push(`@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@`, ...hunk.lines);
    shown += hunk.lines.length + 1;
  }
  return { diff: patch.hunks.length === 0 ? '' : `${out.join('\n')}\n`, insertions, deletions, truncated, gaveUp: false };
}
