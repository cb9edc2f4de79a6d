import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write';
import { stateDir } from './state-paths';

/** Why a bottle has no container on purpose: it was torn down with its state saved. */
export type TeardownReason = 'stopped' | 'approved';

export const READY_MARKER_FILE = 'ready-to-resume.json';

export function readyMarkerPath(identity: string): string {
  return join(stateDir(identity), READY_MARKER_FILE);
}

export async function markReadyToResume(identity: string, reason: TeardownReason): Promise<void> {
  await writeFileAtomic(readyMarkerPath(identity), `${JSON.stringify({ reason, at: new Date().toISOString() })}\n`);
}

export async function clearReadyToResume(identity: string): Promise<void> {
  await rm(readyMarkerPath(identity), { force: true });
}
