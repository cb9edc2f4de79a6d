import { rm } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write';
import { readSmallFile } from '../fs/read-small-file';
import { bottlePaths } from './state-paths';
import { parseJson } from '../base/parse-json';

/*
 * Why we stopped a bottle ourselves (its writable host folders went over their disk budget): our
 * own file beside metadata.json, so the card and `show` say why after any restart of the app or
 * the CLI, until a resume clears it. Absent for every bottle the operator stopped.
 */

const MAX_STOP_REASON_BYTES = 4096;

export interface StopReason {
  reason: string;
  at: string;
}

/** The recorded reason; null when there is none or the file is damaged (it only explains, never decides). */
export async function readStopReason(identity: string): Promise<StopReason | null> {
  const read = await readSmallFile(bottlePaths(identity).stopReason, MAX_STOP_REASON_BYTES);
  if (read.kind === 'missing') return null;
  // Unreadable or not a small file: still say that we stopped it.
  if (read.kind === 'corrupt') return { reason: 'stopped by claude-bottle (its reason could not be read)', at: '' };
  // Damaged (a crash mid-write cannot do it: the write is atomic): still say that we stopped it.
  const parsed = parseJson(read.text) as Partial<StopReason> | null | undefined;
  if (typeof parsed?.reason === 'string' && typeof parsed.at === 'string') return { reason: parsed.reason.slice(0, 1000), at: parsed.at };
  return { reason: 'stopped by claude-bottle (its reason could not be read)', at: '' };
}

export async function writeStopReason(identity: string, reason: string): Promise<void> {
  await writeFileAtomic(bottlePaths(identity).stopReason, `${JSON.stringify({ version: 1, reason, at: new Date().toISOString() })}\n`);
}

export async function clearStopReason(identity: string): Promise<void> {
  await rm(bottlePaths(identity).stopReason, { force: true });
}
