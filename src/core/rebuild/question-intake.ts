/**
 * How many permission questions a bottle may put to the operator per minute. Each question taken in
 * is journaled when it is settled (allowed, denied or withdrawn), and the agent can withdraw its own
 * questions at once: without a rate, an agent asking and withdrawing in a loop writes the host's
 * journal as fast as the disk takes it (an attack session measured 1.1 MB in 8 s). Questions over
 * the rate are answered "too many" at once, as questions over the count cap are.
 *
 * Kept per process, like the inbox's scan slots: the live core that watches the inbox is the one a
 * flood reaches; a CLI process sees one scan and starts with a fresh window.
 */
export const MAX_QUESTIONS_PER_MINUTE = 60;
const WINDOW_MS = 60_000;

const taken = new Map<string, number[]>();

/** Questions this bottle put in the last minute (old ones forgotten). */
function recent(identity: string, now: number): number[] {
  const times = (taken.get(identity) ?? []).filter((at) => now - at < WINDOW_MS);
  if (times.length === 0) taken.delete(identity);
  else taken.set(identity, times);
  return times;
}

/** Why one more question cannot be taken in now, or null. */
export function questionRateProblem(identity: string, now = Date.now()): string | null {
  const count = recent(identity, now).length;
  return count >= MAX_QUESTIONS_PER_MINUTE
    ? `denied: too many questions (${count} in the last minute, at most ${MAX_QUESTIONS_PER_MINUTE}): wait, then ask again`
    : null;
}

/** Counts a question taken in. */
export function noteQuestionTaken(identity: string, now = Date.now()): void {
  const times = recent(identity, now);
  times.push(now);
  taken.set(identity, times);
}
