import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentDefinition } from './agents';
import { writeFileAtomic } from '../fs/atomic-write';
import { BottleError } from '../services/bottle-error';
import { stateDir } from '../state/state-paths';

const PIN_FILE = 'agent-pin.json';

interface AgentPin {
  name: string;
  source: AgentDefinition['source'];
  dir: string;
  contextHash: string;
}

export function agentPinPath(identity: string): string {
  return join(stateDir(identity), PIN_FILE);
}

async function readPin(identity: string): Promise<AgentPin | null> {
  try {
    const pin = JSON.parse(await readFile(agentPinPath(identity), 'utf8')) as Partial<AgentPin>;
    return typeof pin.dir === 'string' && typeof pin.contextHash === 'string' ? (pin as AgentPin) : null;
  } catch {
    return null;
  }
}

/** Records which agent folder, with which content, a bottle was started from. */
export async function pinAgent(identity: string, agent: AgentDefinition): Promise<void> {
  const pin: AgentPin = { name: agent.name, source: agent.source, dir: agent.dir, contextHash: await agent.contextHash() };
  await writeFileAtomic(agentPinPath(identity), `${JSON.stringify(pin, null, 2)}\n`);
}

/**
 * A project's own agents live in the project folder, which a mount-mode agent can write: it could
 * rewrite its agent's Dockerfile or env list and have the next resume build it with no approval.
 * So a project agent must be the one the bottle was started from, unchanged; anything else is
 * refused until the operator has looked. (User and shipped agents are out of the agent's reach.)
 */
export async function verifyAgentPin(identity: string, agent: AgentDefinition): Promise<void> {
  if (agent.source !== 'project') return;
  const pin = await readPin(identity);
  // No pin (a bottle from the Python CLI or an older version): trust the agent as it is now.
  if (pin === null) return pinAgent(identity, agent);
  if (pin.dir === agent.dir && pin.contextHash === (await agent.contextHash())) return;
  throw new BottleError(
    'conflict',
    `agent "${agent.name}" at ${agent.dir} changed since bottle ${identity} started (the project folder is writable from inside the bottle); review it, then accept it by deleting ${agentPinPath(identity)}`,
  );
}
