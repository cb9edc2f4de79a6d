import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JournalEntry } from '../../shared/bottle-view';
import type { TimelineEvent, TimelineInput, TimelineRequestType } from '../../shared/timeline';
import { parseIdentity } from '../../shared/identity';
import { parseJson } from '../base/parse-json';
import { orIfMissing } from '../fs/if-exists';
import { readHistory } from './journal';
import { stateDir } from '../state/state-paths';
import { clean, cleanDiff, MAX_TIMELINE_TEXT, timelineEventSchema, timelineLine } from './timeline-schema';

/**
 * The bottle's timeline file, `<state>/<id>/timeline.jsonl`: ours alone (the Python CLI neither
 * reads nor writes it). Append-only, one JSON line per event (timeline-schema.ts).
 */
export const TIMELINE_FILE = 'timeline.jsonl';

/**
 * Past this size only the agent's turns stop being kept: a chatty agent cannot grow the file
 * without bound, and the operator's and claude-bottle's own events are always written.
 */
export const MAX_TIMELINE_FILE_BYTES = 8 * 1024 * 1024;

export function timelinePath(identity: string): string {
  return join(stateDir(identity), TIMELINE_FILE);
}

/**
 * Appends one event like appendJournal: one write on an O_APPEND descriptor, then fsync; a crash
 * leaves at most a torn last line, which readTimeline skips. Returns whether it was written (an
 * agent turn past the file's cap is not).
 */
export async function appendTimeline(identity: string, event: TimelineInput): Promise<boolean> {
  const path = timelinePath(parseIdentity(identity));
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'a', 0o600);
  try {
    if (event.kind === 'turn' && (await handle.stat()).size >= MAX_TIMELINE_FILE_BYTES) return false;
    await handle.write(timelineLine(event));
    await handle.sync();
    return true;
  } finally {
    await handle.close();
  }
}

/** Every readable event of timeline.jsonl, in file order; a torn or foreign line is skipped. */
export async function readTimelineFile(identity: string): Promise<TimelineEvent[]> {
  const text = await orIfMissing(readFile(timelinePath(parseIdentity(identity)), 'utf8'), '');
  const events: TimelineEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = timelineEventSchema.safeParse(parseJson(line));
    // The journal's diff is never taken from this file: only the journal gives it.
    if (parsed.success) events.push({ ...parsed.data, diff: undefined });
  }
  return events.map(withoutUndefined);
}

/**
 * The timeline a view reads: timeline.jsonl merged with the journal's decisions (so a bottle made
 * before the timeline existed, or by the Python CLI, still shows them), ordered by time, stable
 * (events at the same time keep the order they were written in, the file's before the journal's).
 */
export async function readTimeline(identity: string): Promise<TimelineEvent[]> {
  const [own, journal] = await Promise.all([readTimelineFile(identity), readHistory(parseIdentity(identity))]);
  return mergeTimeline(own, journal.flatMap(journalEvents));
}

export function mergeTimeline(own: readonly TimelineEvent[], fromJournal: readonly TimelineEvent[]): TimelineEvent[] {
  const all = [...own, ...fromJournal].map((event, index) => ({ event, index, time: timeOf(event.at) }));
  all.sort((a, b) => a.time - b.time || a.index - b.index);
  return all.map((entry) => entry.event);
}

/** An unreadable time sorts first, never throws: the event is still shown. */
function timeOf(at: string): number {
  const time = Date.parse(at);
  return Number.isNaN(time) ? 0 : time;
}

const PERMISSION_DECISIONS = new Set(['allowed', 'denied', 'withdrawn']);

/** A journal entry as timeline events: its decision, and for a Dockerfile approval or failed build, the build. */
export function journalEvents(entry: JournalEntry): TimelineEvent[] {
  const type: TimelineRequestType = PERMISSION_DECISIONS.has(entry.decision) ? 'permission' : 'dockerfile';
  const decision: TimelineEvent = withoutUndefined({
    v: 1,
    at: entry.at,
    kind: 'decision',
    by: clean(entry.by, 80),
    request: { type, id: clean(entry.requestId, 80) },
    decision: entry.decision,
    // The journal holds what the agent and the operator wrote as it was: cleaned like our own lines.
    reason: clean(entry.message ?? entry.reason, MAX_TIMELINE_TEXT) || undefined,
    diff: type === 'dockerfile' && entry.diff !== '' ? cleanDiff(entry.diff) : undefined,
  });
  if (entry.decision === 'approved' && entry.imageId !== null)
    return [decision, { v: 1, at: entry.at, kind: 'build', by: decision.by, outcome: 'built', imageId: clean(entry.imageId, 100) }];
  if (entry.decision === 'build-failed') return [decision, { v: 1, at: entry.at, kind: 'build', by: decision.by, outcome: 'failed' }];
  return [decision];
}

function withoutUndefined(event: TimelineEvent): TimelineEvent {
  return Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined)) as unknown as TimelineEvent;
}

/**
 * A fork (issue 24 item 2), on both sides: the parent's `fork` lists the new bottles, each child's
 * `forked-from` names the parent; both name the checkpoint they came from.
 */
export async function recordFork(
  parent: string,
  children: readonly string[],
  checkpoint: { id: string; name: string | null; size: number },
  by: string,
): Promise<void> {
  const at = new Date().toISOString();
  await appendTimeline(parent, { at, kind: 'fork', by, identities: [...children], checkpoint });
  for (const child of children) await appendTimeline(child, { at, kind: 'forked-from', by, from: parent, checkpoint });
}
