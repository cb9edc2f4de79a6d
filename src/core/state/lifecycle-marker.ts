import { rm } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write';
import { bottlePaths } from './state-paths';

/** Why a bottle has no container on purpose: it was torn down with its state saved. */
export type TeardownReason = 'stopped' | 'approved';

export async function markReadyToResume(identity: string, reason: TeardownReason): Promise<void> {
  await writeFileAtomic(bottlePaths(identity).readyMarker, `${JSON.stringify({ reason, at: new Date().toISOString() })}\n`);
}

export async function clearReadyToResume(identity: string): Promise<void> {
  await rm(bottlePaths(identity).readyMarker, { force: true });
}
