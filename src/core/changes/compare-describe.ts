import { INLINE_DIFF_MAX_BYTES, INLINE_DIFF_MAX_LINES, type ChangeStatus, type FileChange } from '../../shared/changes';
import { isResolved, type AppliedRecord, type AppliedVersion } from './applied-record';
import type { BaseContent, BaseText } from './base-content';
import type { Baseline, BaselineEntry } from './baseline-types';
import type { AgentSide, CompareCache, SideMap } from './compare-cache';
import { readWholeSide } from './compare-read';
import { looksBinary } from './content-digest';
import { gitFolderName, gitFolderRefusal } from './relative-path';
import { unifiedDiff } from './text-diff';
import type { WorkspaceReader } from './workspace-reader';

/** All inline diffs of one change set together stay under this; the rest load on demand. */
const CHANGE_SET_DIFF_BUDGET = 8 * 1024 * 1024;
const NOT_LOADED = 'diff not loaded (many changes): open the file to see it';

export function draft(path: string, status: ChangeStatus): FileChange {
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
    conflict: false,
  };
}

function matchesApplied(version: AppliedVersion | undefined, side: AgentSide | null): boolean {
  if (version === undefined) return false;
  if (side === null) return version.kind === 'absent';
  if (version.kind === 'symlink') return side.kind === 'symlink' && side.target === version.target;
  return version.kind === 'file' && side.kind === 'file' && side.oid === version.oid && (side.mode & 0o777) === (version.mode & 0o777);
}

/** The agent's side a change was described from (read again whole when it had been trimmed). */
interface Described {
  change: FileChange;
  side: AgentSide | null;
}

const START_MISSING = 'the start-of-run content is no longer available (the project file changed and no copy was kept)';

/**
 * Fills in the diff of a text change, or says why there is none. `baseEntry` is the left side's
 * entry (the start of run, or what the last apply wrote); `missing` says why its content is gone.
 */
export function describeContent(
  change: FileChange,
  base: BaseText | null,
  side: AgentSide | null,
  baseEntry: BaselineEntry | undefined,
  missing = START_MISSING,
): void {
  const oldIsText = baseEntry === undefined || (baseEntry.kind === 'file' && base !== null && !looksBinary(base.data));
  const newIsText = side === null || (side.kind === 'file' && !side.binary);
  if (baseEntry !== undefined && base === null && baseEntry.kind === 'file') {
    change.note = missing;
  }
  if ((baseEntry?.kind ?? 'file') === 'symlink' || (side?.kind ?? 'file') === 'symlink') {
    if (change.oldKind !== null && change.kind !== null && change.oldKind !== change.kind)
      change.note = `was a ${change.oldKind}, now a ${change.kind}`;
    return;
  }
  if (!oldIsText || !newIsText || (base !== null && looksBinary(base.data))) {
    change.binary = true;
    change.note ??= 'binary file';
    return;
  }
  if (
    (base !== null && !base.complete) ||
    (side !== null && !side.complete) ||
    (baseEntry?.size ?? 0) > INLINE_DIFF_MAX_BYTES ||
    (side?.size ?? 0) > INLINE_DIFF_MAX_BYTES
  ) {
    change.truncated = true;
    change.note ??= 'large file: open it to see the whole diff';
    return;
  }
  if (baseEntry !== undefined && base === null) return;
  const result = unifiedDiff(
    baseEntry === undefined ? null : (change.oldPath ?? change.path),
    side === null ? null : change.path,
    base?.data.toString('utf8') ?? null,
    side?.data.toString('utf8') ?? null,
    INLINE_DIFF_MAX_LINES,
  );
  change.diff = result.gaveUp ? null : result.diff;
  change.insertions = result.insertions;
  change.deletions = result.deletions;
  change.truncated = result.truncated;
  if (result.gaveUp) change.note = 'too different to diff inline: open it to see the whole diff';
  else if (result.truncated) change.note = `diff cut at ${INLINE_DIFF_MAX_LINES} lines: open it to see the whole diff`;
}

/** A text file whose content was not kept: its diff needs another read. */
function trimmedText(side: AgentSide | null): boolean {
  return side?.trimmed === true && side.kind === 'file' && !side.binary;
}

/** Both sides' kind, mode, size, object id and link target. */
function fillSides(change: FileChange, side: AgentSide | null, baseEntry: BaselineEntry | undefined, oldOid: string | null): void {
  change.kind = side?.kind ?? null;
  change.mode = side === null ? null : side.mode & 0o777;
  change.size = side?.size ?? null;
  change.oid = side?.oid ?? null;
  change.oldOid = oldOid;
  change.linkTarget = side?.target ?? null;
  change.oldKind = baseEntry?.kind ?? null;
  change.oldMode = baseEntry === undefined ? null : baseEntry.mode & 0o777;
  change.oldSize = baseEntry?.size ?? null;
  change.oldLinkTarget = baseEntry?.target ?? null;
}

export interface DescribeInput {
  baseline: Baseline;
  reader: WorkspaceReader;
  base: BaseContent;
  applied: AppliedRecord;
  cache: CompareCache;
  /** The agent's side of each path read for this comparison. */
  sides: SideMap;
}

/**
 * Describes the changes of one comparison, one path at a time: both sides, the inline diff (within
 * one budget for the whole change set), the note, and whether apply already wrote it.
 */
export class ChangeDescriber {
  private budget = CHANGE_SET_DIFF_BUDGET;

  constructor(private readonly input: DescribeInput) {}

  async describe(path: string, status: ChangeStatus, oldPath: string | null): Promise<FileChange> {
    const { cache, applied } = this.input;
    let side = status === 'deleted' ? null : (this.input.sides.get(path) ?? null);
    const key = `${status}:${oldPath ?? ''}:${side === null ? 'gone' : (cache.sides.get(path)?.key ?? '')}`;
    const cached = cache.changes.get(path);
    let change: FileChange;
    if (cached !== undefined && cached.key === key && cached.change !== null) {
      change = { ...cached.change };
    } else {
      ({ change, side } = await this.describeFresh(path, status, oldPath, side));
      cache.changes.set(path, { key, change: { ...change } });
    }
    this.spendBudget(change);
    const gitName = gitFolderName(path) ?? (oldPath === null ? null : gitFolderName(oldPath));
    if (gitName !== null) change.note = gitFolderRefusal(gitName);
    change.applied =
      (matchesApplied(applied.files[path], side) && (oldPath === null || matchesApplied(applied.files[oldPath], null))) ||
      (oldPath === null && side?.kind === 'file' && isResolved(applied, path, side.oid));
    return change;
  }

  /** A change not described before, and the side it was described from. */
  private async describeFresh(path: string, status: ChangeStatus, oldPath: string | null, side: AgentSide | null): Promise<Described> {
    const { baseline, base } = this.input;
    const basePath = oldPath ?? (status === 'added' ? null : path);
    const baseEntry = basePath === null ? undefined : baseline.entries[basePath];
    const change = draft(path, status);
    change.oldPath = oldPath;
    fillSides(change, side, baseEntry, basePath === null ? null : await base.oid(basePath));
    const sameKind = side !== null && baseEntry !== undefined && side.kind === baseEntry.kind;
    if (status === 'modified' && sameKind && side.oid !== null && side.oid === (await base.oid(path))) {
      change.status = 'mode-changed';
      return { change, side };
    }
    if (status === 'renamed') return { change, side };
    return { change, side: await this.describeText(change, path, basePath, side, baseEntry) };
  }

  /** The diff of a change; returns the side it was taken from. */
  private async describeText(
    change: FileChange,
    path: string,
    basePath: string | null,
    side: AgentSide | null,
    baseEntry: BaselineEntry | undefined,
  ): Promise<AgentSide | null> {
    let current = side;
    if (trimmedText(current)) current = (await readWholeSide(this.input.reader, path)) ?? current;
    if (trimmedText(current)) {
      change.truncated = true;
      change.note = NOT_LOADED;
      return current;
    }
    const baseText = basePath === null ? null : await this.input.base.read(basePath, INLINE_DIFF_MAX_BYTES);
    describeContent(change, baseText, current, baseEntry);
    return current;
  }

  /** Keeps the change's diff while the change set's budget lasts; past it, the diff loads on demand. */
  private spendBudget(change: FileChange): void {
    if (change.diff === null) return;
    if (change.diff.length > this.budget) {
      change.diff = null;
      change.truncated = true;
      change.note = NOT_LOADED;
    } else {
      this.budget -= change.diff.length;
    }
  }
}
