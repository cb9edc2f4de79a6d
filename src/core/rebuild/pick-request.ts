import { isSafeName } from '../../shared/rules';
import { BottleError } from '../base/bottle-error';
import { readMetadata } from '../state/metadata';
import { stateRoot } from '../state/state-paths';
import { processInbox } from './process-inbox';
import { listPendingRecords } from './rebuild-store';

/**
 * The request a CLI approve/reject acts on: the one named, else the bottle's only pending one.
 * The inbox is read first, so a request that arrived while no app was running is seen too.
 */
export async function pickPendingRequest(identity: string, requestId: string | undefined): Promise<string> {
  if (requestId !== undefined && !isSafeName(requestId)) {
    throw new BottleError('invalid-argument', `invalid request id ${JSON.stringify(requestId.slice(0, 80))}`);
  }
  if ((await readMetadata(identity)) === null) throw new BottleError('not-found', `no bottle ${identity} under ${stateRoot()}`);
  await processInbox(identity);
  const pending = await listPendingRecords(identity);
  if (requestId !== undefined) {
    if (!pending.some((record) => record.request.id === requestId)) {
      throw new BottleError('not-found', `bottle ${identity} has no pending request ${JSON.stringify(requestId)}`);
    }
    return requestId;
  }
  const [only, ...more] = pending;
  if (only === undefined) throw new BottleError('not-found', `bottle ${identity} has no pending request`);
  if (more.length > 0) {
    const ids = pending.map((record) => record.request.id).join(', ');
    throw new BottleError('conflict', `bottle ${identity} has ${pending.length} pending requests (${ids}); choose one with --request ID`);
  }
  return only.request.id;
}
