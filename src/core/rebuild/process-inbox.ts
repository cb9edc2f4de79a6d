import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { orIfMissing } from '../fs/if-exists';
import type { InboxWarning, JournalEntry } from '../../shared/bottle-view';
import { formatBytes } from '../../shared/format-bytes';
import { parseIdentity } from '../../shared/identity';
import { syncFolder } from '../fs/atomic-write';
import { errorMessage } from '../base/bottle-error';
import { settled } from '../base/settled';
import { currentDockerfile } from '../bottles/bottle-image';
import { readLimits, type BottleLimits } from '../state/limits';
import { appendJournal, decidedRequestIds } from './journal';
import { noteTimeline } from '../timeline';
import type { TimelineInput } from '../../shared/timeline';
import { inboxBytes, readInboxNames, readRequestFile, requestStem, writeInboxResponse, type InboxReadResult } from './inbox-files';
import { composeProposedDockerfile, dockerfileDiff } from './proposal';
import { rebuildPaths } from '../state/state-paths';
import { listPendingRecords, readWarnings, writePendingRecord, writeWarnings } from './rebuild-store';
import { isSafeName } from './request-schema';
import { MAX_PENDING_PERMISSIONS } from '../../shared/agent-reports';
import { permissionFolder, recoverStaleClaims, toQuestion, writePermissionRecord } from './permission-store';
import { withdrawPermissions } from './permission-withdraw';
import { noteQuestionTaken, questionRateProblem } from './question-intake';

/** Names shown in warnings are the agent's: printable ASCII only, bounded. */
function shownName(name: string): string {
  const cleaned = name.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 100 ? `${cleaned.slice(0, 100)}…` : cleaned;
}

/*
 * Scans are triggered by the watcher (once per file event), its rescan and every read, so a flood
 * of requests would queue thousands of scans that each re-read the whole inbox. Per bottle, one
 * scan runs and at most one waits: a trigger while one waits joins it (the waiting scan starts
 * after the trigger, so it sees whatever the trigger was about). Never two at once, so a request
 * is never validated and answered twice by this process.
 *
 * Kept at module level, not in a core: the rule is the process's (two cores in one process must
 * not scan one inbox at once either), and a slot is deleted when its last scan settles, so nothing
 * outlives the work.
 */
interface ScanSlot {
  running: Promise<boolean>;
  queued: Promise<boolean> | null;
}

const slots = new Map<string, ScanSlot>();

function coalesced(identity: string): Promise<boolean> {
  const slot = slots.get(identity);
  const settle = (promise: Promise<boolean>): void => {
    const current = slots.get(identity);
    if (current !== undefined && current.running === promise && current.queued === null) slots.delete(identity);
  };
  if (slot === undefined) {
    const running: Promise<boolean> = processInboxNow(identity).finally(() => settle(running));
    slots.set(identity, { running, queued: null });
    return running;
  }
  if (slot.queued !== null) return slot.queued;
  const queued: Promise<boolean> = settled(slot.running)
    .then(() => {
      slot.running = queued;
      slot.queued = null;
      return processInboxNow(identity);
    })
    .finally(() => settle(queued));
  slot.queued = queued;
  return queued;
}

/**
 * Validates new request files in the bottle's inbox: a good one becomes a pending request (with
 * its proposed Dockerfile and diff), a bad one is answered with an error response and a warning.
 * Nothing here talks to Docker. Returns whether anything visible changed.
 */
export async function processInbox(identity: string): Promise<boolean> {
  parseIdentity(identity);
  return coalesced(identity);
}

/** What one scan learns once and shares between the requests it settles. */
class Scan {
  readonly journal: JournalEntry[] = [];
  private current: Promise<string> | null = null;
  /** Requests refused for a cap, by message: answered one by one, journaled and warned once. */
  private readonly capped = new Map<string, { names: string[] }>();

  constructor(
    readonly identity: string,
    readonly limits: BottleLimits,
    public pendingCount: number,
    public permissionCount: number,
    readonly inboxBytes: number,
    readonly newWarnings: InboxWarning[],
  ) {}

  currentDockerfile(): Promise<string> {
    this.current ??= currentDockerfile(this.identity);
    return this.current;
  }

  /** Why no further request (of this kind) can be taken in now, or null. */
  capProblem(kind: 'capability' | 'permission'): string | null {
    if (this.inboxBytes > this.limits.maxInboxBytes) {
      return `the inbox holds ${formatBytes(this.inboxBytes)}, over its ${formatBytes(this.limits.maxInboxBytes)} cap: delete old requests and responses from it, then ask again`;
    }
    if (kind === 'permission') {
      return this.permissionCount >= MAX_PENDING_PERMISSIONS
        ? `denied: too many waiting (${this.permissionCount} permission questions already wait for the operator, at most ${MAX_PENDING_PERMISSIONS})`
        : questionRateProblem(this.identity);
    }
    if (this.pendingCount >= this.limits.maxPendingRequests) {
      return `${this.pendingCount} requests are already waiting for the operator (at most ${this.limits.maxPendingRequests}): wait for their answers, then ask again`;
    }
    return null;
  }

  noteCapped(message: string, name: string): void {
    const entry = this.capped.get(message) ?? { names: [] };
    entry.names.push(name);
    this.capped.set(message, entry);
  }

  /** One warning and one journal entry per cap reason, however many requests it refused. */
  summarizeCaps(): void {
    const at = new Date().toISOString();
    for (const [message, { names }] of this.capped) {
      const first = names[0] ?? '';
      const more = names.length > 1 ? ` (${names.length} requests refused)` : '';
      this.newWarnings.push({ file: shownName(first), message: `${message}${more}`, at });
      this.journal.push(invalidEntry(requestStem(first), `${message}${more}`, at));
    }
  }
}

function invalidEntry(requestId: string, message: string, at: string): JournalEntry {
  return { at, decision: 'invalid-request', requestId, reason: '', diff: '', imageId: null, message, by: 'claude-bottle' };
}

/** Requests read and answered at once: enough to keep the disk busy, few enough to bound memory. */
const CHUNK = 32;

async function processInboxNow(identity: string): Promise<boolean> {
  const paths = rebuildPaths(identity);
  const { requests: names, answered } = await readInboxNames(paths.inbox);
  // One listing of our rebuild folder says whether there are warnings or questions to read: most
  // bottles have neither, and every listing settles every inbox.
  const ours = await orIfMissing(readdir(paths.dir), [] as string[]);
  const [warnings, { held, claimed }] = await Promise.all([
    ours.includes('warnings.json') ? readWarnings(identity) : Promise.resolve([]),
    ours.includes('permissions') ? permissionFolder(identity) : Promise.resolve({ held: [], claimed: [] }),
  ]);
  // The common case on every listing: nothing new, nothing to forget. Two readdirs.
  if (names.length === 0 && warnings.length === 0 && held.length === 0) return false;
  let changed = false;

  // A permission question whose request file the agent deleted: it stopped waiting (answered in
  // its terminal, timed out, killed), so the question leaves every view.
  const stems = new Set(names.map(requestStem));
  const withdrawn = held.filter((id) => !stems.has(id));
  if (withdrawn.length > 0) {
    await withdrawPermissions(identity, withdrawn, 'the agent withdrew the question (answered in its terminal, or it stopped waiting)');
    changed = true;
  }
  // A process killed while answering left its claim: the question comes back (or is done, if answered).
  const restored = claimed.length === 0 ? [] : await recoverStaleClaims(identity, claimed, answered);
  const heldIds = new Set([...held, ...restored].filter((id) => stems.has(id)));
  if (restored.length > 0) changed = true;
  // Being answered or dropped this moment: its request file is still there, but it is no new question.
  const busy = new Set([...heldIds, ...claimed]);

  // A warning goes away once its file is gone from the inbox.
  const present = new Set(names.map(shownName));
  const kept = warnings.filter((warning) => present.has(warning.file));
  const warned = new Set(kept.map((warning) => warning.file));
  const fresh = names.filter((name) => !warned.has(shownName(name)) && !answered.has(requestStem(name)) && !busy.has(requestStem(name)));
  const newWarnings: InboxWarning[] = [];

  if (fresh.length > 0) {
    const pending = await listPendingRecords(identity);
    const pendingIds = new Set(pending.map((record) => record.request.id));
    const unsafe: string[] = [];
    const candidates: string[] = [];
    let decided: Set<string> | null = null;
    for (const name of fresh) {
      const stem = requestStem(name);
      if (!isSafeName(stem)) unsafe.push(name);
      else if (!pendingIds.has(stem)) {
        // Read only when some request is neither pending nor answered: every listing comes here.
        decided ??= await decidedRequestIds(identity);
        if (!decided.has(stem)) candidates.push(name);
      }
    }
    // No safe name to answer under: the warning alone records that it was seen.
    for (const name of unsafe)
      newWarnings.push({ file: shownName(name), message: 'the file name is not a valid request id', at: new Date().toISOString() });
    if (candidates.length > 0) {
      await settleCandidates(
        new Scan(identity, await readLimits(), pending.length, heldIds.size, await inboxBytes(paths.inbox), newWarnings),
        candidates,
      );
      changed = true;
    }
  }

  if (newWarnings.length > 0 || kept.length !== warnings.length) {
    await writeWarnings(identity, [...kept, ...newWarnings]);
    changed = true;
  }
  return changed;
}

/**
 * New request files, oldest first (names sort by time), a chunk at a time: files read and answers
 * written concurrently, decisions (which take a pending place) made in order. Then the answers are
 * committed, and the journal written.
 */
async function settleCandidates(scan: Scan, candidates: string[]): Promise<void> {
  const inbox = rebuildPaths(scan.identity).inbox;
  for (let start = 0; start < candidates.length; start += CHUNK) {
    const chunk = candidates.slice(start, start + CHUNK);
    const read = await Promise.all(chunk.map((name) => readRequestFile(join(inbox, name))));
    const writes: (() => Promise<void>)[] = [];
    for (const [index, name] of chunk.entries()) writes.push(await decide(scan, requestStem(name), name, read[index] as InboxReadResult));
    await Promise.all(writes.map((write) => write()));
  }
  scan.summarizeCaps();
  // A flood's answers are written without an fsync each; one fsync of the inbox commits them all.
  await syncFolder(inbox).catch((error: unknown) => {
    scan.newWarnings.push({ file: '(inbox)', message: `could not sync the inbox: ${errorMessage(error)}`, at: new Date().toISOString() });
  });
  // Answers first, the journal after: a crash between the two leaves requests answered (and so
  // never re-read), never journaled as decided without an answer the agent is waiting for.
  await appendJournal(scan.identity, ...scan.journal);
}

/**
 * What becomes of one new request file (read as hostile input, never more than its size cap): a
 * bad one is answered with its error; a good one becomes pending unless a cap says there is no
 * room, then it is answered with the cap's message. Returns the write that carries it out.
 */
async function decide(scan: Scan, stem: string, name: string, result: InboxReadResult): Promise<() => Promise<void>> {
  const { identity } = scan;
  let problem: string | null = null;
  if (!result.ok) problem = result.message;
  else if (result.request.id !== stem) problem = 'the request id does not match its file name';
  if (problem === null && result.ok) {
    const cap = scan.capProblem(result.kind);
    if (cap !== null) {
      scan.noteCapped(cap, name);
      return () => answerError(scan, stem, name, cap);
    }
    if (result.kind === 'permission') {
      // A question the agent waits on: held for the operator's answer, never a Dockerfile proposal.
      const record = { question: toQuestion(result.request), receivedAt: new Date().toISOString() };
      scan.permissionCount += 1;
      noteQuestionTaken(identity);
      return async () => {
        await writePermissionRecord(identity, record);
        await noteRequest(identity, {
          request: { type: 'permission', id: record.question.id },
          tool: record.question.tool,
          at: record.receivedAt,
        });
      };
    }
    const request = result.request;
    try {
      const current = await scan.currentDockerfile();
      const proposed = composeProposedDockerfile(request, current);
      const record = {
        request,
        receivedAt: new Date().toISOString(),
        currentDockerfile: current,
        proposedDockerfile: proposed,
        diff: dockerfileDiff(current, proposed),
        buildError: null,
      };
      scan.pendingCount += 1;
      return async () => {
        await writePendingRecord(identity, record);
        await noteRequest(identity, { request: { type: 'dockerfile', id: request.id }, reason: request.reason, at: record.receivedAt });
      };
    } catch (error: unknown) {
      problem = `the host could not prepare the request: ${errorMessage(error)}`;
    }
  }
  const message = problem ?? 'invalid request';
  const at = new Date().toISOString();
  scan.newWarnings.push({ file: shownName(name), message, at });
  scan.journal.push(invalidEntry(stem, message, at));
  return () => answerError(scan, stem, name, message);
}

async function answerError(scan: Scan, stem: string, name: string, message: string): Promise<void> {
  try {
    await writeInboxResponse(
      rebuildPaths(scan.identity).inbox,
      { version: 1, id: stem, status: 'error', message: `request refused: ${message}` },
      { durable: false },
    );
  } catch (error: unknown) {
    // The warning and journal entry still record it; an unwritable inbox must not stop the scan.
    scan.newWarnings.push({
      file: shownName(name),
      message: `could not answer in the inbox: ${errorMessage(error)}`,
      at: new Date().toISOString(),
    });
  }
}

/** A request the operator now holds, on the timeline; its decision comes from the journal. */
async function noteRequest(identity: string, event: Omit<TimelineInput, 'kind' | 'by'>): Promise<void> {
  await noteTimeline(identity, { ...event, kind: 'request', by: 'agent' }, (message) => process.emitWarning(message));
}
