import { appendJournal } from './journal';
import { claimPermissionRecord, permissionIds, permissionEntry, releaseClaim } from './permission-store';

/** Who drops a question nobody answered: the host itself, as it journals a bad request. */
const BY_HOST = 'claude-bottle';

/**
 * Drops questions nobody will answer any more (the agent deleted its request file, or its
 * container stopped), each journaled `withdrawn` with why. Each is claimed first, as an answer
 * claims it, so a question being answered at that moment is answered, never also withdrawn.
 * Returns how many it dropped.
 */
export async function withdrawPermissions(identity: string, ids: readonly string[], why: string): Promise<number> {
  const entries = [];
  const claimed: string[] = [];
  for (const id of ids) {
    const record = await claimPermissionRecord(identity, id);
    // Taken by an answer meanwhile (or damaged and dropped): not ours to journal or release.
    if (record === null) continue;
    claimed.push(id);
    entries.push(permissionEntry(record.question, 'withdrawn', why, BY_HOST));
  }
  // Journaled before the claims are released: a crash in between leaves a claim file (ignored by
  // every reader), never a question dropped without a record of it.
  await appendJournal(identity, ...entries);
  await Promise.all(claimed.map((id) => releaseClaim(identity, id)));
  return entries.length;
}

/** Drops every question of a bottle whose container is not running: no agent is there to wait for the answer. */
export async function withdrawAllPermissions(identity: string): Promise<number> {
  const ids = await permissionIds(identity);
  if (ids.length === 0) return 0;
  return withdrawPermissions(identity, ids, 'the container is not running: no agent waits for the answer');
}
