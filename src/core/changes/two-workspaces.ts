import { INLINE_DIFF_MAX_BYTES, INLINE_DIFF_MAX_LINES } from '../../shared/changes';
import type { ComparedFile, CompareStatus } from '../../shared/bottle-compare';
import type { Baseline, BaselineEntry } from './baseline-types';
import { looksBinary } from './content-digest';
import { unifiedDiff } from './text-diff';
import type { AgentContent, AgentEntry, AgentListing, WorkspaceReader } from './workspace-reader';

/** Enough of a file to tell binary from text (git's rule). */
const SNIFF_BYTES = 8000;
/** Both sides' texts of all files together stay under this (they travel whole to the view); the rest say so. */
const TEXT_BUDGET = 8 * 1024 * 1024;

/** One bottle's side of the comparison. */
export interface CompareSide {
  baseline: Baseline;
  listing: AgentListing;
  reader: WorkspaceReader;
}

/**
 * The two baselines hold the same start content at a path: the same blob named, or (a copy-mode
 * manifest names none, to stay cheap) the same host file untouched between the two starts: equal
 * inode, size, mode and both clocks, as git's stat check trusts them, neither taken in its racy second.
 */
function sameStart(a: BaselineEntry, b: BaselineEntry): boolean {
  if (a.oid !== null && b.oid !== null) return a.oid === b.oid;
  if (a.sha256 !== null && b.sha256 !== null) return a.sha256 === b.sha256;
  if (a.racy || b.racy) return false;
  return (
    a.kind === b.kind &&
    a.size === b.size &&
    a.mode === b.mode &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino &&
    a.target === b.target
  );
}

/**
 * True when both still hold the same start-of-run content: the two baselines agree there and
 * size and times prove neither bottle touched it. Saves reading every file twice.
 */
function provenSame(path: string, here: CompareSide, there: CompareSide, a: AgentEntry, b: AgentEntry): boolean {
  const hereBase = here.baseline.entries[path];
  const thereBase = there.baseline.entries[path];
  if (hereBase === undefined || thereBase === undefined || !sameStart(hereBase, thereBase)) return false;
  return here.reader.sameAsBaseline(hereBase, a) && there.reader.sameAsBaseline(thereBase, b);
}

function sameContent(a: AgentContent | null, b: AgentContent | null): boolean {
  if (a === null || b === null || a.kind !== b.kind || (a.mode & 0o777) !== (b.mode & 0o777)) return false;
  if (a.kind === 'symlink') return a.target === b.target;
  // A file too large to digest counts as different, as the Changes view counts it as changed.
  return a.digest !== null && b.digest !== null && a.digest.oid === b.digest.oid;
}

function draft(path: string, status: CompareStatus, a: AgentContent | null, b: AgentContent | null): ComparedFile {
  const binary = (a?.kind === 'file' && looksBinary(a.data)) || (b?.kind === 'file' && looksBinary(b.data));
  return {
    path,
    status,
    hereKind: a?.kind ?? null,
    thereKind: b?.kind ?? null,
    hereSize: a?.size ?? null,
    thereSize: b?.size ?? null,
    hereMode: a === null ? null : a.mode & 0o777,
    thereMode: b === null ? null : b.mode & 0o777,
    hereTarget: a?.target ?? null,
    thereTarget: b?.target ?? null,
    binary,
    hereText: null,
    thereText: null,
    diff: null,
    insertions: 0,
    deletions: 0,
    truncated: false,
    note: binary ? 'binary file' : null,
  };
}

/** A side can be shown as text: absent, or a text file whose whole content was kept. */
function textOf(content: AgentContent | null): string | null | undefined {
  if (content === null) return null;
  if (content.kind !== 'file' || !content.complete || looksBinary(content.data)) return undefined;
  return content.data.toString('utf8');
}

/** Fills in both texts and the diff of a text file, within the caps. */
function describe(file: ComparedFile, a: AgentContent | null, b: AgentContent | null): void {
  if (file.hereKind === 'symlink' || file.thereKind === 'symlink') {
    if (file.hereKind !== null && file.thereKind !== null && file.hereKind !== file.thereKind)
      file.note = `a ${file.hereKind} here, a ${file.thereKind} there`;
    return;
  }
  const here = textOf(a);
  const there = textOf(b);
  if (file.binary) return;
  if (here === undefined || there === undefined) {
    file.note ??= `larger than ${INLINE_DIFF_MAX_BYTES / 1024} KiB (or too many large files): not diffed`;
    return;
  }
  const diff = unifiedDiff(a === null ? null : file.path, b === null ? null : file.path, here, there, INLINE_DIFF_MAX_LINES);
  Object.assign(file, { hereText: here, thereText: there, insertions: diff.insertions, deletions: diff.deletions });
  file.diff = diff.diff === '' ? null : diff.diff;
  file.truncated = diff.truncated;
  if (diff.gaveUp) file.note = 'too different to diff line by line in time';
  else if (diff.diff === '' && file.hereMode !== file.thereMode)
    file.note = `mode ${octal(file.hereMode)} here, ${octal(file.thereMode)} there`;
}

function octal(mode: number | null): string {
  return mode === null ? '—' : mode.toString(8).padStart(3, '0');
}

/** How much of each to keep for the texts: whole small files while the budget lasts. */
function keepPlan(paths: string[], here: CompareSide, there: CompareSide): Map<string, number> {
  let budget = TEXT_BUDGET;
  const keeps = new Map<string, number>();
  for (const path of paths) {
    const size = (here.listing.entries.get(path)?.size ?? 0) + (there.listing.entries.get(path)?.size ?? 0);
    const fits =
      size <= budget &&
      Math.max(here.listing.entries.get(path)?.size ?? 0, there.listing.entries.get(path)?.size ?? 0) <= INLINE_DIFF_MAX_BYTES;
    keeps.set(path, fits ? INLINE_DIFF_MAX_BYTES : SNIFF_BYTES);
    if (fits) budget -= size;
  }
  return keeps;
}

async function readSide(side: CompareSide, paths: string[], keeps: Map<string, number>): Promise<Map<string, AgentContent | null>> {
  const present = paths.filter((path) => side.listing.entries.has(path));
  if (present.length === 0) return new Map();
  return side.reader.readMany(present.map((path) => ({ path, keep: keeps.get(path) ?? SNIFF_BYTES })));
}

/**
 * Every file that differs between two workspaces: in one only, or in both with other content,
 * kind, link target or permission bits. Files both bottles left as they started are not read;
 * the rest are read once from each side (digests, and the texts of small text files for the view).
 */
export async function compareTwoWorkspaces(here: CompareSide, there: CompareSide): Promise<ComparedFile[]> {
  const paths = new Set([...here.listing.entries.keys(), ...there.listing.entries.keys()]);
  const toRead: string[] = [];
  for (const path of paths) {
    const a = here.listing.entries.get(path);
    const b = there.listing.entries.get(path);
    if (a !== undefined && b !== undefined && provenSame(path, here, there, a, b)) continue;
    toRead.push(path);
  }
  toRead.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const keeps = keepPlan(toRead, here, there);
  const [hereContent, thereContent] = await Promise.all([readSide(here, toRead, keeps), readSide(there, toRead, keeps)]);
  const files: ComparedFile[] = [];
  for (const path of toRead) {
    const a = hereContent.get(path) ?? null;
    const b = thereContent.get(path) ?? null;
    if (a === null && b === null) continue; // gone from both between the listing and the read
    if (a !== null && b !== null && sameContent(a, b)) continue;
    const file = draft(path, a === null ? 'only-there' : b === null ? 'only-here' : 'differs', a, b);
    describe(file, a, b);
    files.push(file);
  }
  return files;
}
