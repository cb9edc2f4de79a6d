import { lstatSync } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AGENT_STATES, MAX_STATUS_FILE_BYTES, type AgentStatusView } from '../../shared/agent-reports';
import type { InboxWarning } from '../../shared/bottle-view';
import { redactSecrets } from '../base/core-log';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { ifExists, isMissing } from '../fs/if-exists';
import { readHostileJson } from './inbox-files';
import { bottlePaths } from '../state/state-paths';
import { parseAgentStatusReport } from './report-schemas';
import { isNewTurn, noteTimeline } from '../timeline';

/**
 * The agent's status file in its inbox (issue 21): hidden, so never taken for a request, and
 * replaced by rename on every report. The host reads it (as hostile input) into its own copy,
 * `<state>/<id>/agent-status.json`, which every view reads.
 */
export const STATUS_FILE_NAME = '.agent-status';

/** The host's copy: the last good status, and the warning for a bad file written after it. */
export interface AgentStatusRecord {
  status: AgentStatusView | null;
  warning: InboxWarning | null;
}

const warningSchema = z.object({ file: z.string(), message: z.string(), at: z.string() });
const recordSchema = z.object({
  status: z
    .object({
      state: z.enum(AGENT_STATES),
      tool: z.string().nullable(),
      detail: z.string().nullable(),
      lastMessage: z.string().nullable(),
      at: z.string(),
      since: z.string(),
    })
    .nullable(),
  warning: warningSchema.nullable(),
});

/** The host's copy; null when there is none or it is damaged (only we write it, atomically). An unreadable one throws. */
export async function readAgentStatusRecord(identity: string): Promise<AgentStatusRecord | null> {
  const text = await ifExists(readFile(bottlePaths(identity).agentStatus, 'utf8'));
  if (text === null) return null;
  const parsed = recordSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

async function writeRecord(identity: string, record: AgentStatusRecord): Promise<void> {
  await writeFileAtomic(bottlePaths(identity).agentStatus, `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Whether the bottle's inbox holds a status file (or something under its name). Synchronous on
 * purpose: every listing asks it of every bottle, most never report, and one lstat costs less than
 * a promise. Anything but "not there" says yes, for the read to report it.
 */
export function hasStatusFile(identity: string): boolean {
  try {
    return lstatSync(join(bottlePaths(identity).inbox, STATUS_FILE_NAME), { throwIfNoEntry: false }) !== undefined;
  } catch (error: unknown) {
    // Meant whatever the error: the read that follows reports it (a folder in the inbox's place, permissions).
    return !isMissing(error);
  }
}

/** What the status file was when last read, per bottle: a file not replaced since is not read again. */
const lastSeen = new Map<string, string>();

/** How many times the host read each bottle's status file, in this process: the throttle's count (tests read it). */
const reads = new Map<string, number>();

export function statusReadCount(identity: string): number {
  return reads.get(identity) ?? 0;
}

/** Forgets a removed bottle's file stamp and count. */
export function forgetStatusFile(identity: string): void {
  lastSeen.delete(identity);
  reads.delete(identity);
}

/**
 * Reads the status file once, now: a good one becomes the host's copy (`since` carried over while
 * the state stays the same, the last message kept until a report brings another); a bad one
 * leaves the last good status as it is and puts one warning on the card. Returns whether what the
 * bottle shows changed. No file, or the same file as last time: nothing to do (one lstat).
 */
export async function readStatusFileNow(identity: string): Promise<boolean> {
  const path = join(bottlePaths(identity).inbox, STATUS_FILE_NAME);
  const info = await ifExists(lstat(path));
  if (info === null) return false;
  const stamp = `${info.ino}:${info.size}:${info.mtimeMs}:${info.mode}`;
  if (lastSeen.get(identity) === stamp) return false;
  lastSeen.set(identity, stamp);
  reads.set(identity, statusReadCount(identity) + 1);
  const read = await readHostileJson(path, { maxBytes: MAX_STATUS_FILE_BYTES, noun: 'the status file' });
  const report = read.ok ? parseAgentStatusReport(read.value) : read;
  const previous = await readAgentStatusRecord(identity);
  const at = new Date().toISOString();
  if (!report.ok) {
    if (previous?.warning?.message === report.message) return false;
    await writeRecord(identity, { status: previous?.status ?? null, warning: { file: STATUS_FILE_NAME, message: report.message, at } });
    return true;
  }
  const last = previous?.status ?? null;
  const { state, tool, detail, message } = report.value;
  // The record feeds the card, `show` and the timeline: a key the agent pasted into its own words
  // is redacted before it is kept, so it never reaches the state folder or a screen.
  const status: AgentStatusView = {
    state,
    tool: tool ?? null,
    detail: detail === undefined ? null : redactSecrets(detail),
    lastMessage: message === undefined ? (last?.lastMessage ?? null) : redactSecrets(message),
    at,
    since: last !== null && last.state === state ? last.since : at,
  };
  await writeRecord(identity, { status, warning: null });
  await noteTurn(identity, status, last);
  return true;
}

/**
 * The report as a turn of the timeline: one event per change of the agent's state, at a capped rate
 * (isNewTurn), so a chatty agent cannot flood it. Its last message only when it waits or finished.
 * The state it changed from is the host's copy of the last report, not this process's memory: every
 * CLI command is a core of its own that reads the same status file again, and must not add a turn
 * each time the operator looks.
 */
async function noteTurn(identity: string, status: AgentStatusView, last: AgentStatusView | null): Promise<void> {
  const ended = status.state === 'waiting' || status.state === 'finished';
  // Waiting again with other words is the end of another turn (its working report may have been
  // passed over by the throttle); the same words are the same report read again.
  if (last?.state === status.state && (!ended || last.lastMessage === status.lastMessage)) return;
  if (!isNewTurn(identity, ended ? `${status.state}\0${status.lastMessage ?? ''}` : status.state)) return;
  await noteTimeline(
    identity,
    {
      at: status.at,
      kind: 'turn',
      by: 'agent',
      state: status.state,
      tool: status.tool ?? undefined,
      lastMessage: ended ? (status.lastMessage ?? undefined) : undefined,
    },
    (message) => process.emitWarning(message),
  );
}
