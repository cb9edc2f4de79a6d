import { readdirSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isValidIdentity } from '../../shared/identity';
import { errorMessage } from '../base/bottle-error';
import { isMissing } from '../fs/if-exists';
import { readEngineRecord } from './bottle-engine';
import { readMetadataFileSync, type BottleMetadata, type MetadataReadResult } from './metadata';
import { readCreatedAtSync } from './created-at';
import { readTeardownReasonSync, type TeardownReason } from './lifecycle-marker';
import { BOTTLE_FILES, bottlePaths, stateRoot } from './state-paths';

interface StateEntryFacts {
  identity: string;
  hasDockerfile: boolean;
  /** Torn down on purpose with its state saved (stop or approve). */
  readyToResume: boolean;
  /** Which of the two, from the marker; null without one. */
  readyReason: TeardownReason | null;
  /** When it was created (created.json); null for a bottle from before that file, or a bad one. */
  createdAt: string | null;
  /** Has a journal or rebuild folder, so the rebuild loop has something to show for it. */
  hasRebuildState: boolean;
  /** Has launch options of its own (autonomous, a name, a task), so they are read for it. */
  hasOptions: boolean;
  /** We stopped it ourselves and recorded why (stop-reason.json), so the reason is read for it. */
  hasStopReason: boolean;
  /** Has network.json (its network mode and rules) and network-pending.json (held requests), so they are read for it. */
  hasNetwork: boolean;
  hasNetworkPending: boolean;
  /** Has agent-status.json (the host's copy of its agent's latest report, issue 21), so it is read for it. */
  hasAgentStatus: boolean;
  /** Has forked-from.json (issue 24: it is a fork), so its family is read for it. */
  hasForkedFrom: boolean;
  /** The Docker context it records (engine.json); null: the default engine. */
  engine: string | null;
  /** Has an inbox folder and a rebuild folder: settling its inbox has something to read. */
  hasInbox: boolean;
  hasRebuildFolder: boolean;
}

export type StateEntry = StateEntryFacts & ({ status: 'ok'; metadata: BottleMetadata } | { status: 'corrupt'; reason: string });

/** Yield to the event loop this often, so listing thousands of bottles never stalls the app. */
export const YIELD_EVERY = 256;

/** Lets the event loop run (timers, I/O) in a long pass of synchronous reads. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function metadataResult(identity: string, path: string, dirent: Dirent | undefined): MetadataReadResult {
  if (dirent === undefined) return { status: 'missing' };
  if (dirent.isSymbolicLink()) return { status: 'corrupt', reason: 'metadata.json is a symlink' };
  if (!dirent.isFile()) return { status: 'corrupt', reason: 'metadata.json is not a regular file' };
  return readMetadataFileSync(identity, path);
}

/**
 * One bottle folder from a single listing of it: metadata plus which of our files are there.
 * Null when the folder is gone or holds no metadata.json (not a bottle); damaged when it cannot
 * be read. Synchronous on purpose: a promise per syscall costs more than the I/O when thousands
 * of bottles are listed.
 */
export function scanBottleFolder(identity: string): StateEntry | null {
  const paths = bottlePaths(identity);
  let dirents: Dirent[];
  try {
    dirents = readdirSync(paths.dir, { withFileTypes: true });
  } catch (error: unknown) {
    if (isMissing(error)) return null;
    // A bottle folder the host cannot list (permissions, I/O) stays in the list as damaged,
    // saying why, instead of vanishing from it.
    const facts: StateEntryFacts = {
      identity,
      hasDockerfile: false,
      readyToResume: false,
      readyReason: null,
      createdAt: null,
      hasRebuildState: false,
      hasOptions: false,
      hasStopReason: false,
      hasNetwork: false,
      hasNetworkPending: false,
      hasAgentStatus: false,
      hasForkedFrom: false,
      engine: null,
      // Unknown: whoever settles it reads everything and reports what fails.
      hasInbox: true,
      hasRebuildFolder: true,
    };
    return { ...facts, status: 'corrupt', reason: `its folder cannot be read: ${errorMessage(error)}` };
  }
  const byName = new Map(dirents.map((dirent) => [dirent.name, dirent]));
  const result = metadataResult(identity, paths.metadata, byName.get(BOTTLE_FILES.metadata));
  if (result.status === 'missing') return null;
  const engine = byName.has(BOTTLE_FILES.engine) ? readEngineRecord(identity) : ({ status: 'none' } as const);
  const facts: StateEntryFacts = {
    identity,
    hasDockerfile: byName.get(BOTTLE_FILES.dockerfile)?.isFile() === true,
    readyToResume: byName.has(BOTTLE_FILES.readyMarker),
    readyReason: byName.has(BOTTLE_FILES.readyMarker) ? readTeardownReasonSync(identity) : null,
    createdAt: byName.has(BOTTLE_FILES.created) ? readCreatedAtSync(identity) : null,
    hasRebuildState: byName.has(BOTTLE_FILES.rebuild) || byName.has(BOTTLE_FILES.journal),
    hasOptions: byName.has(BOTTLE_FILES.options),
    hasStopReason: byName.has(BOTTLE_FILES.stopReason),
    hasNetwork: byName.has(BOTTLE_FILES.network),
    hasNetworkPending: byName.has(BOTTLE_FILES.networkPending),
    hasAgentStatus: byName.has(BOTTLE_FILES.agentStatus),
    hasForkedFrom: byName.has(BOTTLE_FILES.forkedFrom),
    engine: engine.status === 'ok' ? engine.context : null,
    hasInbox: byName.has(BOTTLE_FILES.inbox),
    hasRebuildFolder: byName.has(BOTTLE_FILES.rebuild),
  };
  if (result.status === 'corrupt') return { ...facts, status: 'corrupt', reason: result.reason };
  if (engine.status === 'corrupt') return { ...facts, status: 'corrupt', reason: engine.reason };
  return { ...facts, status: 'ok', metadata: result.metadata };
}

/** One entry of `<root>/state` whose name is an identity. */
export interface StateRootEntry {
  identity: string;
  /** A real folder; a link to one (or anything else under that name) is not. */
  isFolder: boolean;
}

/**
 * The one listing of `<root>/state` (the bottle list, the inbox watcher, settling every inbox,
 * recovering interrupted approvals): every entry named as an identity, so temp files, strays and
 * foreign names are passed over. No state folder yet: none. One the host cannot list throws, for
 * the caller to report: it must never read as "no bottles".
 */
export async function listStateRoot(): Promise<StateRootEntry[]> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(stateRoot(), { withFileTypes: true });
  } catch (error: unknown) {
    if (isMissing(error)) return [];
    throw error;
  }
  return dirents
    .filter((dirent) => isValidIdentity(dirent.name))
    .map((dirent) => ({ identity: dirent.name, isFolder: dirent.isDirectory() }));
}

/** The identities of every entry of `<root>/state` named as one (see listStateRoot). */
export async function listStateIdentities(): Promise<string[]> {
  return (await listStateRoot()).map((entry) => entry.identity);
}

/**
 * Every bottle folder under `<root>/state`. Stray files, temp files, names that are not valid
 * identities, symlinked folders and folders without metadata.json are passed over; unreadable or
 * invalid metadata yields a `corrupt` entry rather than an exception.
 */
export async function listStateEntries(): Promise<StateEntry[]> {
  const entries: StateEntry[] = [];
  let scanned = 0;
  for (const { identity, isFolder } of await listStateRoot()) {
    if (!isFolder) continue;
    const entry = scanBottleFolder(identity);
    if (entry !== null) entries.push(entry);
    scanned += 1;
    if (scanned % YIELD_EVERY === 0) await yieldToEventLoop();
  }
  return entries;
}
