import { INLINE_DIFF_MAX_BYTES, type ChangeSet, type ChangeSince, type ChangeStatus, type FileChange } from '../../shared/changes';
import type { AppliedRecord, AppliedVersion } from './applied-record';
import type { BaseContent, BaseText } from './base-content';
import type { BaselineEntry } from './baseline-types';
import { totalsOf } from './change-set';
import { describeContent, draft } from './compare-describe';
import { readWholeSide } from './compare-read';
import type { WorkspaceReader } from './workspace-reader';

export const APPLIED_MISSING = 'the applied version is no longer available (the project file changed since apply and no copy was kept)';

/** What the last apply wrote at a path, as the left side's entry (what describeContent reads of it). */
export function appliedEntry(version: AppliedVersion, size: number): BaselineEntry | undefined {
  if (version.kind === 'absent') return undefined;
  return {
    kind: version.kind,
    size,
    mode: version.kind === 'file' ? version.mode : 0o777,
    mtimeMs: 0,
    ctimeMs: 0,
    ino: 0,
    oid: version.kind === 'file' ? version.oid : null,
    sha256: null,
    target: version.kind === 'symlink' ? version.target : null,
    racy: false,
    kept: false,
  };
}

/** How the agent's file now differs from what apply wrote there. */
function statusSince(file: FileChange, version: AppliedVersion): ChangeStatus {
  if (file.kind === null) return 'deleted';
  if (version.kind === 'absent') return 'added';
  if (version.kind === 'file' && file.kind === 'file' && file.oid !== null && file.oid === version.oid) return 'mode-changed';
  return 'modified';
}

/** The change of one file against what the last apply wrote there (not against the start). */
async function describeSinceApply(
  file: FileChange,
  version: AppliedVersion,
  reader: WorkspaceReader,
  base: BaseContent,
): Promise<FileChange> {
  const status = statusSince(file, version);
  const change = draft(file.path, status);
  change.kind = file.kind;
  change.mode = file.mode;
  change.size = file.size;
  change.oid = file.oid;
  change.linkTarget = file.linkTarget;
  // Whether applying it now conflicts with the project folder does not depend on which side is shown.
  change.conflict = file.conflict;
  change.oldKind = version.kind === 'absent' ? null : version.kind;
  change.oldMode = version.kind === 'file' ? version.mode & 0o777 : null;
  change.oldOid = version.kind === 'file' ? version.oid : null;
  change.oldLinkTarget = version.kind === 'symlink' ? version.target : null;
  if (status === 'mode-changed') return change;
  const left = await base.readApplied(file.path, version, INLINE_DIFF_MAX_BYTES);
  if (version.kind === 'file' && left?.complete === true) change.oldSize = left.data.length;
  // Vanished between the comparison and this read: described as gone; the next refresh tells.
  const side = file.kind === null ? null : await readWholeSide(reader, file.path);
  describeContent(change, left, side, appliedEntry(version, change.oldSize ?? Number.MAX_SAFE_INTEGER), APPLIED_MISSING);
  return change;
}

/**
 * "New since last apply": of the changes since the start, those whose content differs from what
 * the applied record says apply wrote at their path (files never applied count as new, and keep
 * their diff against the start); for a file apply wrote, the diff's left side is that version.
 * Each such diff is kept while the file and its applied version stay the same.
 */
export class SinceApply {
  private readonly cache = new Map<string, { key: string; change: FileChange }>();

  async setOf(set: ChangeSet, applied: AppliedRecord, reader: WorkspaceReader, base: BaseContent): Promise<ChangeSet> {
    const files: FileChange[] = [];
    const live = new Set<string>();
    for (const file of set.files) {
      if (file.applied) continue;
      const version = applied.files[file.path];
      if (version === undefined) {
        files.push(file);
        continue;
      }
      live.add(file.path);
      // A file too large to hash (no oid) is read again each time: nothing proves it the same.
      const key = file.oid === null ? null : JSON.stringify([file.kind, file.oid, file.mode, file.linkTarget, version]);
      const cached = this.cache.get(file.path);
      if (key !== null && cached?.key === key) {
        files.push({ ...cached.change });
        continue;
      }
      const change = await describeSinceApply(file, version, reader, base);
      if (key !== null) this.cache.set(file.path, { key, change: { ...change } });
      files.push(change);
    }
    for (const path of this.cache.keys()) if (!live.has(path)) this.cache.delete(path);
    return { ...set, since: 'apply', files, totals: totalsOf(files) };
  }
}

/** The left side of one file's whole diff, and why it is missing when it should be there. */
export interface LeftSide {
  /** Its path for the diff's header; null when there is none (the file is new on the right). */
  basePath: string | null;
  base: BaseText | null;
  missing: string | null;
}

/**
 * What one file's whole diff compares against: what the last apply wrote at its path when the set
 * is "new since last apply" and the file is new since one; the start-of-run content otherwise.
 */
export async function leftSideOf(
  comparison: { applied: AppliedRecord; base: BaseContent },
  change: FileChange | undefined,
  path: string,
  since: ChangeSince,
  maxBytes: number,
): Promise<LeftSide> {
  const version = since === 'apply' && change !== undefined && !change.applied ? comparison.applied.files[path] : undefined;
  if (version !== undefined) {
    if (version.kind === 'absent') return { basePath: null, base: null, missing: null };
    const base = await comparison.base.readApplied(path, version, maxBytes);
    return { basePath: path, base, missing: base === null ? APPLIED_MISSING : null };
  }
  if (change?.status === 'added') return { basePath: null, base: null, missing: null };
  const basePath = change?.oldPath ?? path;
  return { basePath, base: await comparison.base.read(basePath, maxBytes), missing: null };
}
