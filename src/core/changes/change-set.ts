import { createHash } from 'node:crypto';
import { emptyTotals, type ChangeSet, type ChangeSource, type ChangeTotals, type FileChange } from '../../shared/changes';
import type { AppliedRecord } from './applied-record';
import type { Baseline } from './baseline-types';

export function totalsOf(files: FileChange[]): ChangeTotals {
  const totals = emptyTotals();
  for (const file of files) {
    if (file.status === 'added') totals.added += 1;
    else if (file.status === 'modified') totals.modified += 1;
    else if (file.status === 'deleted') totals.deleted += 1;
    else if (file.status === 'renamed') totals.renamed += 1;
    else totals.modeChanged += 1;
    totals.insertions += file.insertions;
    totals.deletions += file.deletions;
  }
  return totals;
}

/** Changes in the set's content (not its clock): a new fingerprint bumps the revision. */
export function fingerprintOf(files: FileChange[], warnings: string[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(warnings));
  for (const file of files) {
    hash.update(
      JSON.stringify([
        file.path,
        file.oldPath,
        file.status,
        file.mode,
        file.size,
        file.linkTarget,
        file.insertions,
        file.deletions,
        file.diff?.length ?? -1,
        file.applied,
        file.conflict,
        file.note,
      ]),
    );
  }
  return hash.digest('hex');
}

export interface ChangeSetParts {
  identity: string;
  baseline: Baseline;
  source: ChangeSource;
  files: FileChange[];
  revision: number;
  notes: string[];
  warnings: string[];
  applied: AppliedRecord;
}

export function changeSetOf(parts: ChangeSetParts): ChangeSet {
  const { baseline } = parts;
  return {
    identity: parts.identity,
    since: 'start',
    sinceCounts: { start: parts.files.length, apply: parts.files.filter((file) => !file.applied).length },
    mode: baseline.mode,
    source: parts.source,
    baseline: {
      kind: baseline.git === null ? 'manifest' : 'git',
      head: baseline.git?.head ?? null,
      branch: baseline.git?.branch ?? null,
      takenAt: baseline.takenAt,
      files: Object.keys(baseline.entries).length,
    },
    files: parts.files,
    totals: totalsOf(parts.files),
    revision: parts.revision,
    computedAt: new Date().toISOString(),
    notes: parts.notes,
    warnings: parts.warnings,
    lastApply: parts.applied.last,
  };
}
