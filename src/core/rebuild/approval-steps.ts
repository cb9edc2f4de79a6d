import { writePerBottleDockerfile } from '../state/per-bottle-dockerfile';
import type { ApprovalRecord } from './approval-record';
import { writeInboxResponse } from './inbox-files';
import { approvedMessage, journalEdit } from './edited-approval';
import { appendJournal, readHistory } from './journal';
import { composeProposedDockerfile, dockerfileDiff } from './proposal';
import { rebuildPaths } from '../state/state-paths';
import { listPendingRecords, removePendingRecord, writePendingRecord } from './rebuild-store';

/**
 * Step 3 of an approval: the per-bottle Dockerfile (atomic), the journal entry, the agent's
 * answer, the pending request cleared. Idempotent, so recovery can simply run it again.
 */
export async function commitApproval(identity: string, record: ApprovalRecord): Promise<void> {
  await writePerBottleDockerfile(identity, record.proposedDockerfile);
  const history = await readHistory(identity);
  if (!history.some((entry) => entry.decision === 'approved' && entry.requestId === record.requestId)) {
    await appendJournal(identity, {
      at: new Date().toISOString(),
      decision: 'approved',
      requestId: record.requestId,
      reason: record.reason,
      diff: record.diff,
      imageId: record.imageId,
      message: null,
      by: record.by,
      ...journalEdit(record.edit),
    });
  }
  await writeInboxResponse(rebuildPaths(identity).inbox, {
    version: 1,
    id: record.requestId,
    status: 'approved',
    message: approvedMessage(record.edit),
  });
  await removePendingRecord(identity, record.requestId);
  await refreshOtherProposals(identity, record.proposedDockerfile);
}

/** Other pending `--run` requests now build on the newly committed Dockerfile: re-diff them. */
async function refreshOtherProposals(identity: string, current: string): Promise<void> {
  for (const pending of await listPendingRecords(identity)) {
    const proposed = composeProposedDockerfile(pending.request, current);
    await writePendingRecord(identity, {
      ...pending,
      currentDockerfile: current,
      proposedDockerfile: proposed,
      diff: dockerfileDiff(current, proposed),
    });
  }
}
