import { errorCode } from '../fs/if-exists';
import { BottleError } from '../base/bottle-error';
import { loadAgent } from '../agents/agents';
import { credentialSetOf } from './agent-secrets';

/*
 * Which credential set a listed bottle's agent signs in with, for its card's "signed out" mark
 * (issue 20). A listing asks for every bottle and often: the answer per agent and folder is kept a
 * little while, as agent.json rarely changes and a stale answer only moves a mark for seconds.
 */

const KEEP_MS = 30_000;
const known = new Map<string, { set: string | null; at: number }>();

/** The set, or null when the agent cannot be loaded now (removed, or its project folder gone). */
export async function bottleCredentialSet(agentName: string, cwd: string | null): Promise<string | null> {
  const key = `${agentName}\0${cwd ?? ''}`;
  const kept = known.get(key);
  if (kept !== undefined && Date.now() - kept.at < KEEP_MS) return kept.set;
  let set: string | null;
  try {
    set = credentialSetOf(await loadAgent(agentName, cwd ?? undefined));
  } catch (error: unknown) {
    // An agent that is gone or no longer loads has no set to show; the launch says why, not the card.
    if (!(error instanceof BottleError) && errorCode(error) === undefined) throw error;
    set = null;
  }
  if (known.size > 1000) known.clear();
  known.set(key, { set, at: Date.now() });
  return set;
}
