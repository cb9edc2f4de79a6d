import type { TimelineInput } from '../../shared/timeline';
import { errorMessage } from '../base/bottle-error';
import { appendTimeline } from './timeline';

/**
 * Records an event beside the work that made it: the work is done (a bottle started, a checkpoint
 * taken), so a timeline that cannot be written never fails it; it is said through `warn` instead.
 */
export async function noteTimeline(identity: string, event: TimelineInput, warn: (message: string) => void): Promise<void> {
  try {
    await appendTimeline(identity, event);
  } catch (error: unknown) {
    warn(`could not write the timeline of ${identity} (${event.kind}): ${errorMessage(error)}`);
  }
}

/** At most this many agent turns a bottle per minute: a report storm is coalesced, never a flood. */
export const MAX_TURNS_PER_MINUTE = 30;
const turns = new Map<string, { state: string; times: number[] }>();

/**
 * Whether an agent report is a turn worth recording: its state changed since the last turn
 * recorded, and fewer than MAX_TURNS_PER_MINUTE were recorded in the last minute. In memory, per
 * process; a report whose state is the host's copy's (agent-status.ts) is never asked about, so a
 * fresh core (every CLI command) reading the same status file again adds no turn.
 */
export function isNewTurn(identity: string, state: string, now: number = Date.now()): boolean {
  const last = turns.get(identity);
  if (last?.state === state) return false;
  const times = (last?.times ?? []).filter((time) => now - time < 60_000);
  if (times.length >= MAX_TURNS_PER_MINUTE) return false;
  turns.set(identity, { state, times: [...times, now] });
  return true;
}
