import { join } from 'node:path';
import type { InboxWarning } from '../../shared/bottle-view';
import { parseIdentity } from '../../shared/identity';
import { errorMessage } from '../services/bottle-error';
import { currentDockerfile } from '../bottles/bottle-image';
import { appendJournal, decidedRequestIds } from './journal';
import { readInboxNames, readRequestFile, requestStem, writeInboxResponse } from './inbox-files';
import { composeProposedDockerfile, dockerfileDiff } from './proposal';
import { rebuildPaths } from './rebuild-paths';
import { listPendingRecords, readWarnings, writePendingRecord, writeWarnings } from './rebuild-store';
import { isSafeName } from './request-schema';

/** Names shown in warnings are the agent's: printable ASCII only, bounded. */
function shownName(name: string): string {
  const cleaned = name.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 100 ? `${cleaned.slice(0, 100)}…` : cleaned;
}

// processInbox may be triggered by the watcher, the rescan and a listing at once: one at a time per
// bottle, so a request is never validated and answered twice by this process.
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(identity: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(identity) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(identity, settled);
  void settled.then(() => {
    if (queues.get(identity) === settled) queues.delete(identity);
  });
  return next;
}

/**
 * Validates new request files in the bottle's inbox: a good one becomes a pending request (with
 * its proposed Dockerfile and diff), a bad one is answered with an error response and a warning.
 * Nothing here talks to Docker. Returns whether anything visible changed.
 */
export async function processInbox(identity: string): Promise<boolean> {
  parseIdentity(identity);
  return serialized(identity, () => processInboxNow(identity));
}

async function processInboxNow(identity: string): Promise<boolean> {
  const paths = rebuildPaths(identity);
  const { requests: names, answered } = await readInboxNames(paths.inbox);
  const warnings = await readWarnings(identity);
  // The common case on every listing: nothing new, nothing to forget. One readdir, one read.
  if (names.length === 0 && warnings.length === 0) return false;

  // A warning goes away once its file is gone from the inbox.
  const present = new Set(names.map(shownName));
  const kept = warnings.filter((warning) => present.has(warning.file));
  const warned = new Set(kept.map((warning) => warning.file));
  const fresh = names.filter((name) => !warned.has(shownName(name)) && !answered.has(requestStem(name)));
  let changed = false;
  const newWarnings: InboxWarning[] = [];

  if (fresh.length > 0) {
    const pendingIds = new Set((await listPendingRecords(identity)).map((record) => record.request.id));
    let decided: Set<string> | null = null;
    for (const name of fresh) {
      const stem = requestStem(name);
      if (!isSafeName(stem)) {
        // No safe name to answer under: the warning alone records that it was seen.
        newWarnings.push({ file: shownName(name), message: 'the file name is not a valid request id', at: new Date().toISOString() });
        continue;
      }
      if (pendingIds.has(stem)) continue;
      decided ??= await decidedRequestIds(identity);
      if (decided.has(stem)) continue;
      if (await admitRequest(identity, stem, name, newWarnings)) changed = true;
    }
  }

  if (newWarnings.length > 0 || kept.length !== warnings.length) {
    await writeWarnings(identity, [...kept, ...newWarnings]);
    changed = true;
  }
  return changed;
}

/** Validates one new request file: pending when good, answered with an error when not. */
async function admitRequest(identity: string, stem: string, name: string, newWarnings: InboxWarning[]): Promise<boolean> {
  const result = await readRequestFile(join(rebuildPaths(identity).inbox, name));
  let problem: string | null = null;
  if (!result.ok) problem = result.message;
  else if (result.request.id !== stem) problem = 'the request id does not match its file name';
  if (problem === null && result.ok) {
    const request = result.request;
    try {
      const current = await currentDockerfile(identity);
      const proposed = composeProposedDockerfile(request, current);
      await writePendingRecord(identity, {
        request,
        receivedAt: new Date().toISOString(),
        currentDockerfile: current,
        proposedDockerfile: proposed,
        diff: dockerfileDiff(current, proposed),
        buildError: null,
      });
      return true;
    } catch (error: unknown) {
      problem = `the host could not prepare the request: ${errorMessage(error)}`;
    }
  }
  await rejectInvalid(identity, stem, name, problem ?? 'invalid request', newWarnings);
  return true;
}

async function rejectInvalid(identity: string, stem: string, name: string, message: string, warnings: InboxWarning[]): Promise<void> {
  const paths = rebuildPaths(identity);
  const at = new Date().toISOString();
  warnings.push({ file: shownName(name), message, at });
  await appendJournal(identity, {
    at,
    decision: 'invalid-request',
    requestId: stem,
    reason: '',
    diff: '',
    imageId: null,
    message,
    by: 'claude-bottle',
  });
  try {
    await writeInboxResponse(paths.inbox, { version: 1, id: stem, status: 'error', message: `request refused: ${message}` });
  } catch (error: unknown) {
    // The warning and journal entry still record it; an unwritable inbox must not stop the scan.
    warnings.push({ file: shownName(name), message: `could not answer in the inbox: ${errorMessage(error)}`, at });
  }
}
