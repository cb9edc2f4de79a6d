import { parseIdentity } from '../../shared/identity';
import { loadAgent, type AgentDefinition } from '../agents/agents';
import { BottleError } from '../base/bottle-error';
import { readMetadata, type BottleMetadata } from '../state/metadata';
import { stateRoot } from '../state/state-paths';

/**
 * A bottle as one operation sees it: its metadata and its agent, read and checked once at the start
 * and passed along to every step, so an approve or resume reads agent.json and hashes the agent's
 * folder once, not once per step. A project agent comes from one private copy of its folder
 * (agent-copy.ts): the trust check, the build and the launch of one operation all see that copy,
 * whatever the folder does meanwhile.
 */
export interface LoadedBottle {
  identity: string;
  metadata: BottleMetadata;
  agent: AgentDefinition;
}

/**
 * Reads a bottle's metadata and loads its agent. A project agent's trust is checked where it is
 * built or run (launch, approve), not here: stopping or removing a bottle must work even after its
 * agent folder changed.
 */
export async function loadBottle(identity: string): Promise<LoadedBottle> {
  parseIdentity(identity);
  const metadata = await readMetadata(identity);
  if (metadata === null) throw new BottleError('not-found', `no state for bottle ${identity} under ${stateRoot()}`);
  const agent = await loadAgent(metadata.agent_name, metadata.cwd === '' ? undefined : metadata.cwd);
  return { identity, metadata, agent };
}
