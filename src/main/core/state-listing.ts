import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidIdentity } from '../../shared/identity';
import { readMetadataResult, type BottleMetadata } from './metadata';
import { bottlePaths, stateRoot } from './state-paths';

export type StateEntry =
  | { identity: string; status: 'ok'; metadata: BottleMetadata; hasDockerfile: boolean }
  | { identity: string; status: 'corrupt'; reason: string; hasDockerfile: boolean };

/** Enough parallel reads to hide disk latency without opening thousands of files at once. */
const READ_CONCURRENCY = 64;

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

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Every bottle folder under `<root>/state`. Stray files, temp files, names that are not valid
 * identities, symlinked folders and folders without metadata.json are passed over; unreadable or
 * invalid metadata yields a `corrupt` entry rather than an exception.
 */
export async function listStateEntries(): Promise<StateEntry[]> {
  let names: string[];
  try {
    names = await readdir(stateRoot());
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const candidates = names.filter((name) => isValidIdentity(name));
  const entries = await mapLimited(candidates, READ_CONCURRENCY, async (identity): Promise<StateEntry | null> => {
    try {
      const info = await lstat(join(stateRoot(), identity));
      if (!info.isDirectory()) return null;
    } catch {
      return null;
    }
    const [result, hasDockerfile] = await Promise.all([
      readMetadataResult(identity),
      isRegularFile(bottlePaths(identity).dockerfile),
    ]);
    if (result.status === 'missing') return null;
    if (result.status === 'corrupt') return { identity, status: 'corrupt', reason: result.reason, hasDockerfile };
    return { identity, status: 'ok', metadata: result.metadata, hasDockerfile };
  });
  return entries.filter((entry): entry is StateEntry => entry !== null);
}
