import type { PermissionAnswer } from '../../shared/agent-reports';
import { MAX_REJECT_MESSAGE_CHARS } from '../../shared/rules';
import { BottleError } from '../base/bottle-error';
import { operatorName } from './approval';
import { writeInboxResponse } from './inbox-files';
import { appendJournal, readHistory } from './journal';
import type { InboxResponse } from './request-schema';
import { rebuildPaths } from '../state/state-paths';
import { isSafeName } from '../../shared/rules';
import { claimPermissionRecord, permissionEntry, releaseClaim, restoreClaim } from './permission-store';

/** What the agent reads back (`<id>.response.json`): approved (with `remember` for always) or rejected with the message. */
export function permissionResponse(id: string, answer: PermissionAnswer, message: string): InboxResponse {
  if (answer === 'deny') return { version: 1, id, status: 'rejected', message: message === '' ? 'denied by the operator' : message };
  const response: InboxResponse = { version: 1, id, status: 'approved', message };
  return answer === 'always' ? { ...response, remember: true } : response;
}

/** Why a question cannot be answered: answered or withdrawn before (the journal says), or never asked. */
async function notHeld(identity: string, id: string): Promise<BottleError> {
  const past = (await readHistory(identity)).filter((entry) => entry.requestId === id).at(-1);
  if (past?.decision === 'allowed' || past?.decision === 'denied')
    return new BottleError('conflict', `permission question ${id} of ${identity} was already answered (${past.decision} by ${past.by})`);
  if (past?.decision === 'withdrawn')
    return new BottleError(
      'conflict',
      `permission question ${id} of ${identity} was withdrawn: ${past.message ?? 'the agent stopped asking'}`,
    );
  return new BottleError('not-found', `bottle ${identity} has no permission question ${JSON.stringify(id.slice(0, 80))}`);
}

/**
 * Answers one held question: its record is claimed (so a second answer finds nothing and is told
 * why), the response written for the agent, the answer journaled with the operator's name, and
 * only then the claim released. A response that cannot be written puts the question back.
 */
export async function answerPermissionNow(identity: string, id: string, answer: PermissionAnswer, message: string): Promise<void> {
  if (!isSafeName(id)) throw new BottleError('invalid-argument', `invalid request id ${JSON.stringify(id.slice(0, 80))}`);
  if (message.length > MAX_REJECT_MESSAGE_CHARS)
    throw new BottleError('invalid-argument', `the message is longer than ${MAX_REJECT_MESSAGE_CHARS} characters`);
  const record = await claimPermissionRecord(identity, id);
  if (record === null) throw await notHeld(identity, id);
  try {
    await writeInboxResponse(rebuildPaths(identity).inbox, permissionResponse(id, answer, message));
  } catch (error: unknown) {
    await restoreClaim(identity, id);
    throw error;
  }
  const journaled = answer === 'always' ? `always allowed${message === '' ? '' : `: ${message}`}` : message === '' ? null : message;
  await appendJournal(identity, permissionEntry(record.question, answer === 'deny' ? 'denied' : 'allowed', journaled, operatorName()));
  await releaseClaim(identity, id);
}
