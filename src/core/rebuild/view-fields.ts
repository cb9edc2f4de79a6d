import { readdir } from 'node:fs/promises';
import type { InboxWarning, PendingRequestSummary } from '../../shared/bottle-view';
import { historyCount, JournalCounts } from './journal';
import { rebuildPaths } from './rebuild-paths';
import { listPendingRecords, readWarnings, toPendingSummary } from './rebuild-store';

export interface RebuildViewFields {
  pendingRequest: PendingRequestSummary | null;
  pendingCount: number;
  warnings: InboxWarning[];
  historyCount: number;
}

/**
 * The rebuild part of a bottle's view. Called for every bottle on every listing, so it is
 * read-only, never touches Docker, and costs two syscalls for a bottle that never asked for
 * anything (one readdir of our folder, one stat of the journal). A core passes its `counts`; without
 * them the journal is counted afresh.
 */
export async function rebuildViewFields(identity: string, counts: JournalCounts = new JournalCounts()): Promise<RebuildViewFields> {
  const paths = rebuildPaths(identity);
  const [names, count] = await Promise.all([
    readdir(paths.dir).catch(() => [] as string[]),
    historyCount(identity, counts),
  ]);
  const [pending, warnings] = await Promise.all([
    names.includes('pending') ? listPendingRecords(identity).catch(() => []) : Promise.resolve([]),
    names.includes('warnings.json') ? readWarnings(identity) : Promise.resolve([]),
  ]);
  const first = pending[0];
  return { pendingRequest: first === undefined ? null : toPendingSummary(first), pendingCount: pending.length, warnings, historyCount: count };
}
