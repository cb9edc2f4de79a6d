import type { BottleContext } from '../bottle-context';
import { saveBottleSnapshots, teardownBottle } from '../bottle-lifecycle';
import { findBottleContainer } from '../docker/bottle-containers';
import { writePerBottleDockerfile } from '../per-bottle-dockerfile';
import type { ApprovalRecord } from './approval-record';
import { writeInboxResponse } from './inbox-files';
import { appendJournal, readHistory } from './journal';
import { composeProposedDockerfile, dockerfileDiff } from './proposal';
import { rebuildPaths } from './rebuild-paths';
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
    });
  }
  await writeInboxResponse(rebuildPaths(identity).inbox, {
    version: 1,
    id: record.requestId,
    status: 'approved',
    message:
      'Approved. The bottle is being rebuilt from the new Dockerfile: this container will be stopped and replaced ' +
      'by a new one with the same identity, transcript and workspace. Your conversation continues after the resume.',
  });
  await removePendingRecord(identity, record.requestId);
  await refreshOtherProposals(identity, record.proposedDockerfile);
}

/** Other pending `--run` requests now build on the newly committed Dockerfile: re-diff them. */
async function refreshOtherProposals(identity: string, current: string): Promise<void> {
  for (const pending of await listPendingRecords(identity)) {
    const proposed = composeProposedDockerfile(pending.request, current);
    await writePendingRecord(identity, { ...pending, currentDockerfile: current, proposedDockerfile: proposed, diff: dockerfileDiff(current, proposed) });
  }
}

/**
 * Step 4: stop the old container, take a last snapshot (the agent kept running since step 2 and
 * may have written more transcript), then remove it and mark the bottle ready to resume. The
 * first snapshot stays in place if the last one fails, and a retry starts here again.
 */
export async function finishTeardown(ctx: BottleContext, identity: string): Promise<void> {
  const info = await findBottleContainer(ctx.docker, identity);
  if (info !== null) {
    const container = ctx.docker.getContainer(info.Id);
    if (info.State === 'running' || info.State === 'paused' || info.State === 'restarting') {
      // A failed stop (e.g. already exited) surfaces, if it matters, in the snapshot below.
      await container.stop({ t: 10 }).catch(() => undefined);
    }
    await saveBottleSnapshots(ctx, identity);
  }
  await teardownBottle(ctx, identity, 'approved');
}
