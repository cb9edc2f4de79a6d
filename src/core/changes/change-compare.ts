import { INLINE_DIFF_MAX_BYTES, type FileChange } from '../../shared/changes';
import type { AppliedRecord } from './applied-record';
import type { Baseline } from './baseline-types';
import type { BaseContent } from './base-content';
import { classifyChanges } from './compare-classify';
import type { CompareCache } from './compare-cache';
import { ChangeDescriber } from './compare-describe';
import { readSides } from './compare-read';
import { selectEntries } from './compare-select';
import type { AgentListing, WorkspaceReader } from './workspace-reader';

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
  const { sides, toRead } = selectEntries(baseline, listing, reader, cache);
  await readSides(toRead, listing, reader, cache, sides);
  const { modified, added, deleted, renamedFrom, renamedAway } = await classifyChanges(baseline, listing, base, sides);

  await base.prefetch([...modified, ...deleted.filter((path) => !renamedAway.has(path))], INLINE_DIFF_MAX_BYTES);
  const describer = new ChangeDescriber({ baseline, reader, base, applied, cache, sides });
  const changes: FileChange[] = [];
  for (const path of modified) changes.push(await describer.describe(path, 'modified', null));
  for (const path of added) {
    const from = renamedFrom.get(path) ?? null;
    changes.push(await describer.describe(path, from === null ? 'added' : 'renamed', from));
  }
  for (const path of deleted) if (!renamedAway.has(path)) changes.push(await describer.describe(path, 'deleted', null));
  cache.keepChanges(new Set(changes.map((change) => change.path)));
  cache.dropContent();
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
