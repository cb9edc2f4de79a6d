import { readdir } from 'node:fs/promises';
import type { InboxWarning, PendingRequestSummary } from '../../shared/bottle-view';
import { errorMessage } from '../base/bottle-error';
import { orIfMissing } from '../fs/if-exists';
import { historyCount, JournalCounts } from './journal';
import { rebuildPaths } from '../state/state-paths';
import { listPendingRecords, readWarnings, toPendingSummary, type PendingRecord } from './rebuild-store';
import type { PermissionQuestion } from '../../shared/agent-reports';
import { listPermissionRecords, type PermissionRecord } from './permission-store';

export interface RebuildViewFields {
  pendingRequest: PendingRequestSummary | null;
  pendingCount: number;
  warnings: InboxWarning[];
  historyCount: number;
  /** Every permission question held, oldest first, whatever the container's state (the caller decides what shows). */
  permissionPending: PermissionQuestion[];
}

/**
 * A part of the rebuild state the host could not read (permissions, a folder where a file was,
 * I/O), shown on the card like a bad request: the listing goes on for every other bottle, and the
 * operator sees why this one shows no request instead of reading "nothing pending".
 */
function unreadable(what: string, error: unknown): InboxWarning {
  return { file: what, message: `could not be read: ${errorMessage(error)}`, at: new Date().toISOString() };
}

/**
 * The rebuild part of a bottle's view. Called for every bottle on every listing, so it is
 * read-only, never touches Docker, and costs two syscalls for a bottle that never asked for
 * anything (one readdir of our folder, one stat of the journal). A core passes its `counts`; without
 * them the journal is counted afresh.
 */
export async function rebuildViewFields(identity: string, counts: JournalCounts = new JournalCounts()): Promise<RebuildViewFields> {
  const paths = rebuildPaths(identity);
  const problems: InboxWarning[] = [];
  const [names, count] = await Promise.all([
    orIfMissing(readdir(paths.dir), [] as string[]).catch((error: unknown) => {
      problems.push(unreadable('the rebuild state folder', error));
      return [] as string[];
    }),
    historyCount(identity, counts).catch((error: unknown) => {
      problems.push(unreadable('the approval history', error));
      return 0;
    }),
  ]);
  const [pending, warnings, permissions] = await Promise.all([
    names.includes('pending')
      ? listPendingRecords(identity).catch((error: unknown) => {
          problems.push(unreadable('the pending requests', error));
          return [] as PendingRecord[];
        })
      : Promise.resolve([]),
    names.includes('warnings.json')
      ? readWarnings(identity).catch((error: unknown) => {
          problems.push(unreadable('the inbox warnings', error));
          return [] as InboxWarning[];
        })
      : Promise.resolve([]),
    names.includes('permissions')
      ? listPermissionRecords(identity).catch((error: unknown) => {
          problems.push(unreadable('the permission questions', error));
          return [] as PermissionRecord[];
        })
      : Promise.resolve([]),
  ]);
  const first = pending[0];
  return {
    pendingRequest: first === undefined ? null : toPendingSummary(first),
    pendingCount: pending.length,
    warnings: [...warnings, ...problems],
    historyCount: count,
    permissionPending: permissions.map((record) => record.question),
  };
}
