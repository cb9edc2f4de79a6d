import { INLINE_DIFF_MAX_BYTES, INLINE_DIFF_MAX_LINES, type ChangeStatus, type EntryKind, type FileChange } from '../../shared/changes';
import type { AppliedRecord, AppliedVersion } from './applied-record';
import type { Baseline, BaselineEntry } from './baseline-types';
import type { BaseContent, BaseText } from './base-content';
import { looksBinary } from './content-digest';
import { gitFolderName, gitFolderRefusal } from './relative-path';
import { unifiedDiff } from './text-diff';
import { statKey, type AgentContent, type AgentEntry, type AgentListing, type WorkspaceReader } from './workspace-reader';

/** All inline diffs of one change set together stay under this; the rest load on demand. */
const CHANGE_SET_DIFF_BUDGET = 8 * 1024 * 1024;
/** Content held in memory for diffing during one comparison, at most. */
const READ_KEEP_BUDGET = 64 * 1024 * 1024;
/** Enough of a file to tell binary from text. */
const SNIFF_BYTES = 8000;

/** The agent's version of one path, as last read. */
interface AgentSide {
  kind: EntryKind;
  size: number;
  mode: number;
  oid: string | null;
  target: string | null;
  binary: boolean;
  data: Buffer;
  complete: boolean;
  /** Its content was not kept (memory budget, or dropped after its change was described). */
  trimmed: boolean;
}

/**
 * What one bottle's last comparison read, kept between refreshes: an entry whose listing is the
 * same as last time is not read again, and its change is not diffed again.
 */
export class CompareCache {
  readonly sides = new Map<string, { key: string; side: AgentSide | null }>();
  readonly changes = new Map<string, { key: string; change: FileChange | null }>();
}

function sideOf(content: AgentContent, trimmed: boolean): AgentSide {
  return {
    trimmed,
    kind: content.kind,
    size: content.size,
    mode: content.mode,
    oid: content.digest?.oid ?? null,
    target: content.target,
    binary: content.kind === 'file' && looksBinary(content.data),
    data: content.data,
    complete: content.complete,
  };
}

function draft(path: string, status: ChangeStatus): FileChange {
  return {
    path,
    oldPath: null,
    status,
    kind: null,
    oldKind: null,
    mode: null,
    oldMode: null,
    size: null,
    oldSize: null,
    oid: null,
    oldOid: null,
    binary: false,
    linkTarget: null,
    oldLinkTarget: null,
    insertions: 0,
    deletions: 0,
    diff: null,
    truncated: false,
    note: null,
    applied: false,
  };
}

function matchesApplied(version: AppliedVersion | undefined, side: AgentSide | null): boolean {
  if (version === undefined) return false;
  if (side === null) return version.kind === 'absent';
  if (version.kind === 'symlink') return side.kind === 'symlink' && side.target === version.target;
  return version.kind === 'file' && side.kind === 'file' && side.oid === version.oid && (side.mode & 0o777) === (version.mode & 0o777);
}

/** Fills in the diff of a text change, or says why there is none. */
function describeContent(change: FileChange, base: BaseText | null, side: AgentSide | null, baseEntry: BaselineEntry | undefined): void {
  const oldIsText = baseEntry === undefined || (baseEntry.kind === 'file' && base !== null && !looksBinary(base.data));
  const newIsText = side === null || (side.kind === 'file' && !side.binary);
  if (baseEntry !== undefined && base === null && baseEntry.kind === 'file') {
    change.note = 'the start-of-run content is no longer available (the project file changed and no copy was kept)';
  }
  if ((baseEntry?.kind ?? 'file') === 'symlink' || (side?.kind ?? 'file') === 'symlink') {
    if (change.oldKind !== null && change.kind !== null && change.oldKind !== change.kind) change.note = `was a ${change.oldKind}, now a ${change.kind}`;
    return;
  }
  if (!oldIsText || !newIsText || (base !== null && looksBinary(base.data))) {
    change.binary = true;
    change.note ??= 'binary file';
    return;
  }
  if ((base !== null && !base.complete) || (side !== null && !side.complete) || (baseEntry?.size ?? 0) > INLINE_DIFF_MAX_BYTES || (side?.size ?? 0) > INLINE_DIFF_MAX_BYTES) {
    change.truncated = true;
    change.note ??= 'large file: open it to see the whole diff';
    return;
  }
  if (baseEntry !== undefined && base === null) return;
  const result = unifiedDiff(baseEntry === undefined ? null : (change.oldPath ?? change.path), side === null ? null : change.path, base?.data.toString('utf8') ?? null, side?.data.toString('utf8') ?? null, INLINE_DIFF_MAX_LINES);
  change.diff = result.gaveUp ? null : result.diff;
  change.insertions = result.insertions;
  change.deletions = result.deletions;
  change.truncated = result.truncated;
  if (result.gaveUp) change.note = 'too different to diff inline: open it to see the whole diff';
  else if (result.truncated) change.note = `diff cut at ${INLINE_DIFF_MAX_LINES} lines: open it to see the whole diff`;
}

export interface CompareInput {
  baseline: Baseline;
  listing: AgentListing;
  reader: WorkspaceReader;
  base: BaseContent;
  applied: AppliedRecord;
  cache: CompareCache;
}

/**
 * The agent's changes since its baseline: every file added, modified, deleted or renamed (same
 * content under a new name), mode changes, symlinks and binary files marked, with an inline
 * unified diff per text file. Reads only entries whose size or times differ from the baseline
 * (or, when the reader cannot prove them untouched, whose content must be checked), and of those
 * only the ones that changed since the last comparison.
 */
export async function compareWorkspace(input: CompareInput): Promise<FileChange[]> {
  const { baseline, listing, reader, base, applied, cache } = input;
  const racySecond = Math.floor(listing.takenAtMs / 1000);
  const sides = new Map<string, AgentSide | null>();
  const toRead: AgentEntry[] = [];
  for (const [path, entry] of listing.entries) {
    const baseEntry = baseline.entries[path];
    if (baseEntry !== undefined && reader.sameAsBaseline(baseEntry, entry)) continue;
    const key = statKey(entry) + (Math.floor(entry.mtimeMs / 1000) >= racySecond ? ':racy' : '');
    const cached = cache.sides.get(path);
    if (cached !== undefined && cached.key === key && !key.endsWith(':racy')) sides.set(path, cached.side);
    else toRead.push(entry);
  }
  // Whole small files are kept for their diffs while the memory budget lasts; past it, only
  // enough of each to tell binary from text (their diffs then load on demand).
  let keepBudget = READ_KEEP_BUDGET;
  const keepFor = (size: number): number => {
    const keep = Math.min(size, INLINE_DIFF_MAX_BYTES) <= keepBudget ? INLINE_DIFF_MAX_BYTES : SNIFF_BYTES;
    keepBudget -= Math.min(size, keep);
    return keep;
  };
  const sideFrom = (content: AgentContent | null | undefined, keep: number): AgentSide | null =>
    content == null ? null : sideOf(content, keep < INLINE_DIFF_MAX_BYTES && !content.complete);
  const requests = toRead.map((entry) => ({ path: entry.path, keep: keepFor(entry.size) }));
  const contents = await reader.readMany(requests);
  for (const [index, entry] of toRead.entries()) {
    const side = sideFrom(contents.get(entry.path), requests[index]?.keep ?? SNIFF_BYTES);
    const key = statKey(entry) + (Math.floor(entry.mtimeMs / 1000) >= racySecond ? ':racy' : '');
    cache.sides.set(entry.path, { key, side });
    sides.set(entry.path, side);
  }
  const readSide = async (path: string): Promise<AgentSide | null> => sideFrom(await reader.read(path, INLINE_DIFF_MAX_BYTES), INLINE_DIFF_MAX_BYTES);
  for (const path of cache.sides.keys()) if (!sides.has(path)) cache.sides.delete(path);

  const changes: FileChange[] = [];
  const added: string[] = [];
  const modified: string[] = [];
  for (const [path, side] of sides) {
    if (side === null) continue; // vanished between the listing and the read: next refresh tells
    const baseEntry = baseline.entries[path];
    if (baseEntry === undefined) {
      added.push(path);
      continue;
    }
    const baseOid = await base.oid(path);
    const sameContent = side.kind === baseEntry.kind && side.oid !== null && side.oid === baseOid;
    const sameMode = side.kind === 'symlink' || (side.mode & 0o777) === (baseEntry.mode & 0o777);
    if (sameContent && sameMode) continue;
    modified.push(path);
  }
  const deleted = Object.keys(baseline.entries).filter((path) => !listing.entries.has(path));

  // Renames: a deleted path's content under an added path.
  const deletedByOid = new Map<string, string[]>();
  for (const path of deleted) {
    const oid = await base.oid(path);
    if (oid !== null) deletedByOid.set(`${baseline.entries[path]?.kind}:${oid}`, [...(deletedByOid.get(`${baseline.entries[path]?.kind}:${oid}`) ?? []), path]);
  }
  const renamedFrom = new Map<string, string>();
  for (const path of added.sort()) {
    const side = sides.get(path);
    const candidates = side?.oid == null ? undefined : deletedByOid.get(`${side.kind}:${side.oid}`);
    const from = candidates?.shift();
    if (from !== undefined) renamedFrom.set(path, from);
  }
  const renamedAway = new Set(renamedFrom.values());

  const contentPaths = [...modified, ...deleted.filter((path) => !renamedAway.has(path))];
  await base.prefetch(contentPaths, INLINE_DIFF_MAX_BYTES);
  let budget = CHANGE_SET_DIFF_BUDGET;
  const describe = async (path: string, status: ChangeStatus, oldPath: string | null): Promise<FileChange> => {
    let side = status === 'deleted' ? null : (sides.get(path) ?? null);
    const basePath = oldPath ?? (status === 'added' ? null : path);
    const baseEntry = basePath === null ? undefined : baseline.entries[basePath];
    const key = `${status}:${oldPath ?? ''}:${side === null ? 'gone' : (cache.sides.get(path)?.key ?? '')}`;
    const cached = cache.changes.get(path);
    let change: FileChange;
    if (cached !== undefined && cached.key === key && cached.change !== null) {
      change = { ...cached.change };
    } else {
      change = draft(path, status);
      change.oldPath = oldPath;
      change.kind = side?.kind ?? null;
      change.mode = side === null ? null : side.mode & 0o777;
      change.size = side?.size ?? null;
      change.oid = side?.oid ?? null;
      change.oldOid = basePath === null ? null : await base.oid(basePath);
      change.linkTarget = side?.target ?? null;
      change.oldKind = baseEntry?.kind ?? null;
      change.oldMode = baseEntry === undefined ? null : baseEntry.mode & 0o777;
      change.oldSize = baseEntry?.size ?? null;
      change.oldLinkTarget = baseEntry?.target ?? null;
      if (status === 'modified' && side !== null && baseEntry !== undefined && side.kind === baseEntry.kind && side.oid !== null && side.oid === (await base.oid(path))) {
        change.status = 'mode-changed';
      } else if (status !== 'renamed') {
        if (side?.trimmed === true && side.kind === 'file' && !side.binary) side = (await readSide(path)) ?? side;
        if (side?.trimmed === true && side.kind === 'file' && !side.binary) {
          change.truncated = true;
          change.note = 'diff not loaded (many changes): open the file to see it';
        } else {
          const baseText = basePath === null ? null : await base.read(basePath, INLINE_DIFF_MAX_BYTES);
          describeContent(change, baseText, side, baseEntry);
        }
      }
      cache.changes.set(path, { key, change: { ...change } });
    }
    if (change.diff !== null) {
      if (change.diff.length > budget) {
        change.diff = null;
        change.truncated = true;
        change.note = 'diff not loaded (many changes): open the file to see it';
      } else {
        budget -= change.diff.length;
      }
    }
    const gitName = gitFolderName(path) ?? (oldPath === null ? null : gitFolderName(oldPath));
    if (gitName !== null) change.note = gitFolderRefusal(gitName);
    change.applied = matchesApplied(applied.files[path], side) && (oldPath === null || matchesApplied(applied.files[oldPath], null));
    return change;
  };
  for (const path of modified) changes.push(await describe(path, 'modified', null));
  for (const path of added) changes.push(await describe(path, renamedFrom.has(path) ? 'renamed' : 'added', renamedFrom.get(path) ?? null));
  for (const path of deleted) if (!renamedAway.has(path)) changes.push(await describe(path, 'deleted', null));
  const live = new Set(changes.map((change) => change.path));
  for (const path of cache.changes.keys()) if (!live.has(path)) cache.changes.delete(path);
  // Described changes are cached whole; the content they came from need not stay in memory.
  for (const cached of cache.sides.values()) if (cached.side !== null && cached.side.data.length > 0) cached.side = { ...cached.side, data: Buffer.alloc(0), trimmed: true };
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
