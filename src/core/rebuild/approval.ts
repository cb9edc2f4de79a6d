import { userInfo } from 'node:os';
import { isSafeName, MAX_REJECT_MESSAGE_CHARS } from '../../shared/rules';
import { requireTrustedAgent } from '../agents/agent-trust';
import { buildBottleImage, currentDockerfileFor } from '../bottles/bottle-image';
import { retireBottle, saveBottleSnapshots } from '../bottles/bottle-lifecycle';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { BuildFailedError } from '../engine/image-build';
import type { CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import {
  createApprovalRecord,
  isHeldByLiveProcess,
  markApprovingHere,
  newApprovalRecord,
  readApprovalRecord,
  removeApprovalRecord,
  updateApprovalRecord,
  type ApprovalRecord,
} from './approval-record';
import { faultPoint } from '../bottles/fault-point';
import { commitApproval } from './approval-steps';
import { operatorEdit } from './edited-approval';
import { writeInboxResponse } from './inbox-files';
import { appendJournal } from './journal';
import { composeProposedDockerfile, dockerfileDiff, proposalHash } from './proposal';
import { rebuildPaths } from '../state/state-paths';
import { readPendingRecord, removePendingRecord, writePendingRecord, type PendingRecord } from './rebuild-store';

/** Who decided, for the journal; never throws (some containers have no passwd entry). */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch (error: unknown) {
    // Meant whatever the error: userInfo() fails only when our uid has no passwd entry (a
    // container, a deleted user); the uid then names the operator.
    return String(process.getuid?.() ?? 'unknown');
  }
}

function checkRequestId(requestId: string): void {
  if (!isSafeName(requestId)) throw new BottleError('invalid-argument', `invalid request id ${JSON.stringify(requestId.slice(0, 80))}`);
}

async function requirePending(identity: string, requestId: string): Promise<PendingRecord> {
  const record = await readPendingRecord(identity, requestId);
  if (record === null) throw new BottleError('not-found', `bottle ${identity} has no pending request ${requestId}`);
  return record;
}

/**
 * Settles an approval a killed process left behind (see ApprovalStep). Returns false, touching
 * nothing, when a live process still holds it.
 */
export async function recoverApproval(ctx: CoreDeps, identity: string): Promise<boolean> {
  const record = await readApprovalRecord(identity);
  if (record === null) return true;
  if (record === 'corrupt') {
    // Only we write it, and always by rename, so this takes a damaged disk. Dropping it is the
    // safe side: before the commit nothing changed, and a commit is idempotent and re-checkable
    // (the per-bottle Dockerfile and the journal show whether it happened).
    await removeApprovalRecord(identity);
    return true;
  }
  if (isHeldByLiveProcess(record)) return false;
  if (record.step === 'building' || record.step === 'built' || record.step === 'snapshotted') {
    // The old container still runs from the old Dockerfile; the request stays pending.
    await removeApprovalRecord(identity);
    return true;
  }
  if (record.step === 'committing') {
    await commitApproval(identity, record);
    await updateApprovalRecord({ ...record, step: 'committed' });
  }
  await retireBottle(ctx, identity, 'approved');
  await removeApprovalRecord(identity);
  return true;
}

/**
 * Settles a half-done approval before anything else acts on the bottle (resume, stop, remove,
 * reject, approve), so a later recovery never tears down a bottle that was resumed meanwhile.
 */
export async function settleInterruptedApproval(ctx: CoreDeps, identity: string): Promise<void> {
  if (!(await recoverApproval(ctx, identity))) {
    throw new BottleError('conflict', `bottle ${identity} is being approved by another process; try again when it finishes`);
  }
}

/**
 * Approve (DESIGN.md §6): build while the old bottle runs; save its snapshots; commit the
 * Dockerfile, journal and answer; tear the old container down. Each step is recorded first, so a
 * kill at any point is settled by recoverApproval. The caller holds the bottle's lock (and, for
 * "Approve & resume", keeps holding it through the resume).
 */
export async function approveNow(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  requestId: string,
  options: { proposalHash?: string | undefined; dockerfile?: string | undefined; onCommitted?: () => Promise<void> } = {},
): Promise<{ imageId: string }> {
  const { identity } = bottle;
  checkRequestId(requestId);
  // The build runs in the agent's folder: a project agent only while trusted as it is.
  await requireTrustedAgent(bottle.agent, bottle.metadata.cwd);
  if (!(await recoverApproval(ctx, identity))) {
    throw new BottleError('conflict', `bottle ${identity} is being approved by another process`);
  }
  const pending = await requirePending(identity, requestId);
  // Recomposed now: an approval since the request arrived may have changed the current Dockerfile.
  const current = await currentDockerfileFor(identity, bottle.agent);
  const proposed = composeProposedDockerfile(pending.request, current);
  // What is built is what the operator reviewed, byte for byte: a proposal that changed since is refused.
  if (options.proposalHash !== undefined && options.proposalHash !== proposalHash(proposed)) {
    throw new BottleError(
      'conflict',
      `request ${requestId} of ${identity} changed since you reviewed it (another approval changed its Dockerfile); review it again`,
    );
  }
  // Approve with edits: the operator's text is built instead, held to the same checks (the image-user
  // check runs on whatever is built), and the agent and the journal are told what changed.
  const edit = operatorEdit(proposed, options.dockerfile);
  const built = edit?.approved ?? proposed;
  const diff = dockerfileDiff(current, built);
  const record: ApprovalRecord = newApprovalRecord({
    identity,
    requestId,
    reason: pending.request.reason,
    proposedDockerfile: built,
    diff,
    by: operatorName(),
    ...(edit === null ? {} : { edit }),
  });
  if (!(await createApprovalRecord(record))) {
    throw new BottleError('conflict', `bottle ${identity} is being approved by another process`);
  }
  // While this runs, the record is live even though its pid is ours: a resume, stop or reject
  // arriving meanwhile in this same process must not "recover" it from under us.
  markApprovingHere(identity, true);
  try {
    return await runApproval(
      ctx,
      bottle,
      record,
      { ...pending, currentDockerfile: current, proposedDockerfile: proposed, diff: dockerfileDiff(current, proposed) },
      options.onCommitted ?? (async () => undefined),
    );
  } finally {
    markApprovingHere(identity, false);
  }
}

/** Steps 1–4 of an approval whose record exists: build and snapshot, commit, tear down. */
async function runApproval(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  created: ApprovalRecord,
  pending: PendingRecord,
  onCommitted: () => Promise<void>,
): Promise<{ imageId: string }> {
  const { identity, requestId, proposedDockerfile: proposed } = created;
  let record = created;
  try {
    ctx.activity.progress(identity, { line: `Building the ${created.edit === undefined ? 'proposed' : 'edited'} image for ${requestId}` });
    // The snapshot runs while the image builds: neither touches what the bottle runs from, and a
    // fresher snapshot is harmless if the build fails. No container means it was stopped, and
    // stopping saved the snapshots already.
    const [built, saved] = await Promise.allSettled([
      buildBottleImage(ctx, bottle, proposed, (progress) => ctx.activity.progress(identity, progress)),
      saveBottleSnapshots(ctx, bottle),
    ]);
    if (built.status === 'rejected') {
      const error: unknown = built.reason;
      if (error instanceof BuildFailedError) await recordBuildFailure(identity, pending, error);
      throw error;
    }
    record = { ...record, step: 'built', imageId: built.value };
    await updateApprovalRecord(record);
    faultPoint('after-build');

    if (saved.status === 'rejected') throw saved.reason;
    record = { ...record, step: 'snapshotted' };
    await updateApprovalRecord(record);
    faultPoint('after-snapshot');
  } catch (error: unknown) {
    // Nothing the bottle runs from has changed yet: roll back, the request stays pending.
    await removeApprovalRecord(identity);
    throw error;
  }

  record = { ...record, step: 'committing' };
  await updateApprovalRecord(record);
  await commitApproval(identity, record);
  record = { ...record, step: 'committed' };
  await updateApprovalRecord(record);
  faultPoint('after-commit');
  // The answer is where the agent reads it before its container goes (a no-op for a local bottle,
  // whose inbox is mounted). If this fails, recovery finishes the teardown and the answer goes
  // into the resumed bottle's inbox.
  await onCommitted();

  ctx.activity.progress(identity, { line: 'Replacing the old container' });
  // Step 4: stop the old container and take a last snapshot (the agent kept running since step 2
  // and may have written more), then remove it. If that fails the first snapshot stays, and a
  // retry (or recovery) starts here again.
  await retireBottle(ctx, identity, 'approved', bottle);
  await removeApprovalRecord(identity);
  return { imageId: record.imageId ?? '' };
}

async function recordBuildFailure(identity: string, pending: PendingRecord, error: BuildFailedError): Promise<void> {
  const tail = error.logTail.join('\n');
  await writePendingRecord(identity, { ...pending, buildError: tail === '' ? error.message : tail });
  await appendJournal(identity, {
    at: new Date().toISOString(),
    decision: 'build-failed',
    requestId: pending.request.id,
    reason: pending.request.reason,
    diff: pending.diff,
    imageId: null,
    message: error.message,
    by: operatorName(),
  });
}

/**
 * Reject: answer the agent with the operator's message and journal it; the bottle keeps running.
 * The caller settles a half-done approval first: if it was already committed, the request is
 * answered (approved) and no longer pending, and rejecting it is refused here.
 */
export async function rejectNow(identity: string, options: { requestId: string; message: string }): Promise<void> {
  checkRequestId(options.requestId);
  const pending = await requirePending(identity, options.requestId);
  const approval = await readApprovalRecord(identity);
  if (approval !== null && approval !== 'corrupt' && approval.requestId === options.requestId && isHeldByLiveProcess(approval)) {
    throw new BottleError('conflict', `request ${options.requestId} of bottle ${identity} is being approved`);
  }
  const message = options.message.trim().slice(0, MAX_REJECT_MESSAGE_CHARS);
  await appendJournal(identity, {
    at: new Date().toISOString(),
    decision: 'rejected',
    requestId: options.requestId,
    reason: pending.request.reason,
    diff: pending.diff,
    imageId: null,
    message: message === '' ? null : message,
    by: operatorName(),
  });
  await writeInboxResponse(rebuildPaths(identity).inbox, {
    version: 1,
    id: options.requestId,
    status: 'rejected',
    message: message === '' ? 'The operator rejected this request.' : `The operator rejected this request: ${message}`,
  });
  await removePendingRecord(identity, options.requestId);
}
