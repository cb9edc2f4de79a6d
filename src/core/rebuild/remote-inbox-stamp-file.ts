import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { remoteInboxStampsPath, stateRoot } from '../state/state-paths';
import type { RemoteInboxStamps, Seen } from './remote-inbox';

/*
 * What a pass saw of each remote bottle's container inbox, kept across processes (issue 23): `ls`
 * is a new process each time, and without them it read every remote inbox in full (a HEAD, the
 * archive, a HEAD again: three requests a bottle) where a core that stays up asks one HEAD of an
 * unchanged one. A kept stamp is trusted exactly as one this core took: it names the container,
 * and one the engine could not have moved within its one-second clock is confirmed first
 * (syncRemoteInbox).
 */

const VERSION = 1;
/** Far more than 100,000 remote bottles take; a bigger file is not ours and is ignored. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

function isSeen(value: unknown): value is Seen {
  if (typeof value !== 'object' || value === null) return false;
  const { stamp, readAt, confirmed } = value as Partial<Record<keyof Seen, unknown>>;
  return typeof stamp === 'string' && typeof readAt === 'number' && Number.isFinite(readAt) && typeof confirmed === 'boolean';
}

/**
 * Fills the core's stamps with the kept ones of bottles it has none of (its own are newer). A
 * missing, damaged or foreign file fills nothing: every remote inbox is then read in full.
 */
export function loadKeptStamps(stamps: RemoteInboxStamps): string {
  const read = readSmallFileSync(remoteInboxStampsPath(), MAX_FILE_BYTES);
  if (read.kind !== 'ok') return '';
  const parsed = parseJson(read.text) as { version?: unknown; root?: unknown; stamps?: unknown } | null;
  if (typeof parsed !== 'object' || parsed === null || parsed.version !== VERSION || parsed.root !== stateRoot()) return read.text;
  const kept = parsed.stamps;
  if (typeof kept !== 'object' || kept === null) return read.text;
  for (const [identity, seen] of Object.entries(kept)) if (!stamps.has(identity) && isSeen(seen)) stamps.set(identity, seen);
  return read.text;
}

/**
 * Keeps the stamps of the bottles `listed` (a pass over every bottle: the others are gone), unless
 * the file already says exactly that. `previous`: the file's text as loadKeptStamps read it.
 */
export async function keepStamps(stamps: RemoteInboxStamps, listed: ReadonlySet<string>, previous: string): Promise<void> {
  const kept = stamps.all().filter(([identity]) => listed.has(identity));
  if (kept.length === 0 && previous === '') return;
  const text = JSON.stringify({ version: VERSION, root: stateRoot(), stamps: Object.fromEntries(kept) });
  if (text === previous) return;
  // Not durable: a file lost in a crash only has every remote inbox read in full once.
  await writeFileAtomic(remoteInboxStampsPath(), text, 0o600, { durable: false });
}
