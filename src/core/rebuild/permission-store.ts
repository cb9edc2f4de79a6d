import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { PermissionQuestion } from '../../shared/agent-reports';
import type { JournalEntry } from '../../shared/bottle-view';
import { parseJson } from '../base/parse-json';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/atomic-write';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { rebuildPaths } from '../state/state-paths';
import { isSafeName } from '../../shared/rules';
import type { PermissionRequest } from './report-schemas';

/**
 * The permission questions a bottle's agent waits on (issue 21): one record per question in
 * `<state>/<id>/rebuild/permissions/`, beside (never among) the Dockerfile requests' pending
 * records. Written only by the host, atomically; the agent's own request file stays in the inbox
 * and is what the agent deletes to withdraw the question.
 */
export interface PermissionRecord {
  question: PermissionQuestion;
  receivedAt: string;
}

const recordSchema = z.object({
  question: z.object({
    id: z.string().refine(isSafeName),
    tool: z.string(),
    detail: z.string().nullable(),
    input: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.string(),
  }),
  receivedAt: z.string(),
});

const RECORD_SUFFIX = '.json';
/** A record taken by one answer (renamed, so a second answer finds nothing to take). */
const CLAIMED_SUFFIX = '.answering';

/** The question as every view carries it, from the request the agent wrote. */
export function toQuestion(request: PermissionRequest): PermissionQuestion {
  return {
    id: request.id,
    tool: request.tool,
    detail: request.detail ?? null,
    input: request.input ?? null,
    reason: request.reason ?? null,
    createdAt: request.created_at,
  };
}

function recordFile(identity: string, id: string, suffix: string = RECORD_SUFFIX): string {
  if (!isSafeName(id)) throw new Error(`invalid permission question id ${JSON.stringify(id.slice(0, 80))}`);
  return join(rebuildPaths(identity).permissions, `${id}${suffix}`);
}

export async function writePermissionRecord(identity: string, record: PermissionRecord): Promise<void> {
  await writeFileAtomic(recordFile(identity, record.question.id), `${JSON.stringify(record, null, 2)}\n`);
}

/** The folder's names with `suffix`, as ids (one readdir; none when the folder is missing). */
async function idsWith(identity: string, suffixes: readonly string[]): Promise<Record<string, string[]>> {
  const names = await orIfMissing(readdir(rebuildPaths(identity).permissions), [] as string[]);
  const found: Record<string, string[]> = Object.fromEntries(suffixes.map((suffix) => [suffix, [] as string[]]));
  for (const name of names) {
    if (name.startsWith(TEMP_PREFIX)) continue;
    const suffix = suffixes.find((candidate) => name.endsWith(candidate));
    const id = suffix === undefined ? '' : name.slice(0, -suffix.length);
    if (suffix !== undefined && isSafeName(id)) found[suffix]?.push(id);
  }
  return found;
}

/** The ids of the questions held. */
export async function permissionIds(identity: string): Promise<string[]> {
  return (await idsWith(identity, [RECORD_SUFFIX]))[RECORD_SUFFIX] ?? [];
}

/**
 * The questions held, and those being answered or dropped right now (claimed): an inbox scan must
 * take neither for a new question, though the agent's request file is still there.
 */
export async function permissionFolder(identity: string): Promise<{ held: string[]; claimed: string[] }> {
  const found = await idsWith(identity, [RECORD_SUFFIX, CLAIMED_SUFFIX]);
  return { held: found[RECORD_SUFFIX] ?? [], claimed: found[CLAIMED_SUFFIX] ?? [] };
}

/** A record, or null when it is gone or damaged (only we write it, atomically: damage is someone else's). */
async function readRecordFile(path: string): Promise<PermissionRecord | null> {
  const text = await ifExists(readFile(path, 'utf8'));
  if (text === null) return null;
  const parsed = recordSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

export async function readPermissionRecord(identity: string, id: string): Promise<PermissionRecord | null> {
  return isSafeName(id) ? readRecordFile(recordFile(identity, id)) : null;
}

/** Every question held for the bottle, oldest first. */
export async function listPermissionRecords(identity: string): Promise<PermissionRecord[]> {
  const ids = await permissionIds(identity);
  const records = await Promise.all(ids.map((id) => readRecordFile(recordFile(identity, id))));
  return records
    .filter((record): record is PermissionRecord => record !== null)
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.question.id.localeCompare(b.question.id));
}

/**
 * Takes one question for answering: its record is renamed away, so of two answers at once (two
 * windows, the CLI and a window) exactly one gets it; null for the other, and for a question that
 * is not held. The caller answers, then calls `releaseClaim`.
 */
export async function claimPermissionRecord(identity: string, id: string): Promise<PermissionRecord | null> {
  if (!isSafeName(id)) return null;
  const claimed = recordFile(identity, id, CLAIMED_SUFFIX);
  const took = await ifExists(rename(recordFile(identity, id), claimed));
  if (took === null) return null;
  const record = await readRecordFile(claimed);
  if (record === null) await rm(claimed, { force: true });
  return record;
}

export async function releaseClaim(identity: string, id: string): Promise<void> {
  await rm(recordFile(identity, id, CLAIMED_SUFFIX), { force: true });
}

/** Puts a claimed question back (its answer could not be written): the operator can answer again. */
export async function restoreClaim(identity: string, id: string): Promise<void> {
  await ifExists(rename(recordFile(identity, id, CLAIMED_SUFFIX), recordFile(identity, id)));
}

/** A claim older than this was left by a process that died while answering (an answer takes milliseconds). */
export const STALE_CLAIM_MS = 60_000;

/**
 * Settles claims a killed process left: answered (its response is in the inbox) → released, the
 * question is done; not answered → put back, so the operator can answer the agent that still
 * waits. Rename sets a file's ctime, so the ctime is when it was claimed. Returns the ids restored.
 */
export async function recoverStaleClaims(
  identity: string,
  claimed: readonly string[],
  answered: ReadonlySet<string>,
  now = Date.now(),
): Promise<string[]> {
  const restored: string[] = [];
  for (const id of claimed) {
    const info = await ifExists(stat(recordFile(identity, id, CLAIMED_SUFFIX)));
    if (info === null || now - info.ctimeMs < STALE_CLAIM_MS) continue;
    if (answered.has(id)) await releaseClaim(identity, id);
    else {
      await restoreClaim(identity, id);
      restored.push(id);
    }
  }
  return restored;
}

export async function removePermissionRecord(identity: string, id: string): Promise<void> {
  await rm(recordFile(identity, id), { force: true });
}

/** The journal entry of a question settled: allowed, denied, or withdrawn (the agent stopped asking, or stopped). */
export function permissionEntry(
  question: PermissionQuestion,
  decision: 'allowed' | 'denied' | 'withdrawn',
  message: string | null,
  by: string,
): JournalEntry {
  const subject = [question.tool, question.detail].filter((part) => part !== null && part !== '').join(' ');
  return {
    at: new Date().toISOString(),
    decision,
    requestId: question.id,
    // The record names the question; its full text was the agent's, and the agent writes as many
    // questions as it likes: the journal keeps a bounded line of each.
    reason: cutForJournal(question.reason ?? subject),
    diff: '',
    imageId: null,
    message,
    by,
  };
}

/** What the journal keeps of an agent's text: its first JOURNAL_TEXT_CHARS characters. */
const JOURNAL_TEXT_CHARS = 200;
function cutForJournal(text: string): string {
  return text.length > JOURNAL_TEXT_CHARS ? `${text.slice(0, JOURNAL_TEXT_CHARS)}…` : text;
}
