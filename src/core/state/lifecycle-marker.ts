import { rm } from 'node:fs/promises';
import { parseJson } from '../base/parse-json';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFileSync } from '../fs/read-small-file';
import { bottlePaths } from './state-paths';

/** Why a bottle has no container on purpose: it was torn down with its state saved. */
export type TeardownReason = 'stopped' | 'approved';

export async function markReadyToResume(identity: string, reason: TeardownReason): Promise<void> {
  await writeFileAtomic(bottlePaths(identity).readyMarker, `${JSON.stringify({ reason, at: new Date().toISOString() })}\n`);
}

export async function clearReadyToResume(identity: string): Promise<void> {
  await rm(bottlePaths(identity).readyMarker, { force: true });
}

/**
 * Why the bottle was torn down, from its marker. A marker that cannot be read or names no known
 * reason counts as 'stopped': only a marker that says so is shown as "Rebuilt". Sync, like the rest
 * of the folder scan, and read only for bottles that have the marker.
 */
export function readTeardownReasonSync(identity: string): TeardownReason {
  const read = readSmallFileSync(bottlePaths(identity).readyMarker, 1024);
  const parsed = read.kind === 'ok' ? parseJson(read.text) : undefined;
  const reason = typeof parsed === 'object' && parsed !== null ? (parsed as { reason?: unknown }).reason : undefined;
  return reason === 'approved' ? 'approved' : 'stopped';
}
