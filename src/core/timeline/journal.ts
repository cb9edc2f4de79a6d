import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { JournalEntry } from '../../shared/bottle-view';
import { MapBottleCache } from '../base/bottle-caches';
import { parseJson } from '../base/parse-json';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { bottlePaths } from '../state/state-paths';

const journalEntrySchema = z.object({
  at: z.string(),
  decision: z.enum(['approved', 'rejected', 'build-failed', 'invalid-request', 'allowed', 'denied', 'withdrawn']),
  requestId: z.string(),
  reason: z.string(),
  diff: z.string(),
  imageId: z.string().nullable(),
  message: z.string().nullable(),
  by: z.string(),
  edit: z.object({ proposed: z.string(), approved: z.string(), diff: z.string() }).optional(),
});

/**
 * Appends decisions as JSON lines. One write on an O_APPEND descriptor, then fsync: a crash
 * leaves at most a torn last line, which readers skip.
 */
export async function appendJournal(identity: string, ...entries: JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const path = bottlePaths(identity).journal;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.write(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every readable journal entry, oldest first; torn or foreign lines are skipped. */
export async function readHistory(identity: string): Promise<JournalEntry[]> {
  const text = await orIfMissing(readFile(bottlePaths(identity).journal, 'utf8'), '');
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // A torn last line after a crash (not JSON) or a foreign one: skipped.
    const parsed = journalEntrySchema.safeParse(parseJson(line));
    if (parsed.success) entries.push(parsed.data);
  }
  return entries;
}

/** Request ids that already have a decision (so a request the agent's response was deleted for is not re-asked). */
export async function decidedRequestIds(identity: string): Promise<Set<string>> {
  return new Set((await readHistory(identity)).map((entry) => entry.requestId));
}

/**
 * Journal lengths by bottle: the listing asks for every bottle's count on each refresh, so one
 * core keeps them (`CoreDeps.caches`) and recounts only when the file changed.
 */
export class JournalCounts extends MapBottleCache<{ size: number; mtimeMs: number; count: number }> {
  get(identity: string, size: number, mtimeMs: number): number | null {
    const cached = this.entries.get(identity);
    return cached !== undefined && cached.size === size && cached.mtimeMs === mtimeMs ? cached.count : null;
  }

  set(identity: string, size: number, mtimeMs: number, count: number): void {
    this.entries.set(identity, { size, mtimeMs, count });
  }
}

/** Number of journal entries, cheap on repeat calls with the same `counts` (one stat when unchanged). */
export async function historyCount(identity: string, counts: JournalCounts = new JournalCounts()): Promise<number> {
  const path = bottlePaths(identity).journal;
  // No journal: nothing decided yet. One the host cannot read throws (the view says so), never "no history".
  const info = await ifExists(stat(path));
  if (info === null) {
    counts.forget(identity);
    return 0;
  }
  const cached = counts.get(identity, info.size, info.mtimeMs);
  if (cached !== null) return cached;
  const count = (await readHistory(identity)).length;
  counts.set(identity, info.size, info.mtimeMs, count);
  return count;
}
