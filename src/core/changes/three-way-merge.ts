import { diffArrays } from 'diff';

/** One side's change to the base: base lines [baseStart, baseEnd) became side lines [sideStart, sideEnd). */
interface Hunk {
  baseStart: number;
  baseEnd: number;
  sideStart: number;
  sideEnd: number;
}

export interface MergeResult {
  /** The merged text; where both sides changed the same lines, both versions between conflict markers. */
  text: string;
  /** How many places hold conflict markers. */
  conflicts: number;
  /** The line diff gave up (texts too different to diff in time): the whole file is one conflict. */
  gaveUp: boolean;
}

/** Line-diffing two very different large texts can take long: give up after this. */
const MERGE_DIFF_TIMEOUT_MS = 5_000;

export const CONFLICT_LABELS = { ours: 'yours (project folder)', theirs: 'agent' } as const;

/** Lines with their own line ends, so the merge gives back exactly the bytes it was given. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function hunksOf(base: string[], side: string[]): Hunk[] | null {
  const parts = diffArrays(base, side, { timeout: MERGE_DIFF_TIMEOUT_MS });
  if (parts === undefined) return null;
  const hunks: Hunk[] = [];
  let basePos = 0;
  let sidePos = 0;
  let current: Hunk | null = null;
  for (const part of parts) {
    const count = part.value.length;
    if (!part.added && !part.removed) {
      if (current !== null) hunks.push(current);
      current = null;
      basePos += count;
      sidePos += count;
      continue;
    }
    current ??= { baseStart: basePos, baseEnd: basePos, sideStart: sidePos, sideEnd: sidePos };
    if (part.removed) {
      basePos += count;
      current.baseEnd = basePos;
    } else {
      sidePos += count;
      current.sideEnd = sidePos;
    }
  }
  if (current !== null) hunks.push(current);
  return hunks;
}

/** A side's lines for base lines [start, end), given its hunks inside that stretch (none: the base's own). */
function sideRange(base: string[], side: string[], hunks: Hunk[], start: number, end: number): string[] {
  const first = hunks[0];
  const last = hunks[hunks.length - 1];
  if (first === undefined || last === undefined) return base.slice(start, end);
  return side.slice(first.sideStart - (first.baseStart - start), last.sideEnd + (end - last.baseEnd));
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}

/** A block of lines that ends with a line end, so a marker after it starts on its own line. */
function closed(lines: string[]): string[] {
  const last = lines[lines.length - 1];
  return last === undefined || last.endsWith('\n') ? lines : [...lines.slice(0, -1), `${last}\n`];
}

function conflictBlock(ours: string[], theirs: string[]): string[] {
  return [`<<<<<<< ${CONFLICT_LABELS.ours}\n`, ...closed(ours), '=======\n', ...closed(theirs), `>>>>>>> ${CONFLICT_LABELS.theirs}\n`];
}

/**
 * A line-based three-way merge (diff3's rule): a stretch only one side changed takes that side's
 * lines; a stretch both changed the same way takes them once; a stretch both changed differently
 * (overlapping or touching changes) holds both versions between git-style conflict markers, the
 * project folder's first. The texts are the operator's and the agent's: nothing is dropped.
 */
export function threeWayMerge(base: string, ours: string, theirs: string): MergeResult {
  const baseLines = splitLines(base);
  const ourLines = splitLines(ours);
  const theirLines = splitLines(theirs);
  const ourHunks = hunksOf(baseLines, ourLines);
  const theirHunks = ourHunks === null ? null : hunksOf(baseLines, theirLines);
  if (ourHunks === null || theirHunks === null) {
    if (ours === theirs) return { text: ours, conflicts: 0, gaveUp: true };
    return { text: conflictBlock(ourLines, theirLines).join(''), conflicts: 1, gaveUp: true };
  }
  const out: string[] = [];
  let conflicts = 0;
  let basePos = 0;
  let i = 0;
  let j = 0;
  while (i < ourHunks.length || j < theirHunks.length) {
    const nextOurs = ourHunks[i];
    const nextTheirs = theirHunks[j];
    const start = Math.min(nextOurs?.baseStart ?? Infinity, nextTheirs?.baseStart ?? Infinity);
    let end = start;
    const groupOurs: Hunk[] = [];
    const groupTheirs: Hunk[] = [];
    // Gather every hunk of either side that overlaps or touches the stretch, growing it as they do.
    for (let grew = true; grew;) {
      grew = false;
      for (const [hunks, group, at] of [
        [ourHunks, groupOurs, i],
        [theirHunks, groupTheirs, j],
      ] as const) {
        const hunk = hunks[at + group.length];
        if (hunk !== undefined && hunk.baseStart <= end) {
          group.push(hunk);
          end = Math.max(end, hunk.baseEnd);
          grew = true;
        }
      }
    }
    i += groupOurs.length;
    j += groupTheirs.length;
    out.push(...baseLines.slice(basePos, start));
    const mine = sideRange(baseLines, ourLines, groupOurs, start, end);
    const yours = sideRange(baseLines, theirLines, groupTheirs, start, end);
    if (groupTheirs.length === 0) out.push(...mine);
    else if (groupOurs.length === 0 || sameLines(mine, yours)) out.push(...yours);
    else {
      conflicts += 1;
      out.push(...conflictBlock(mine, yours));
    }
    basePos = end;
  }
  out.push(...baseLines.slice(basePos));
  return { text: out.join(''), conflicts, gaveUp: false };
}
