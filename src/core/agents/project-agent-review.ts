import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectAgentReview } from '../../shared/bottle-view';
import type { SecretPlacement } from '../../shared/secret-placement';
import { dockerfileRiskNotes } from '../../shared/dockerfile-risks';
import { projectAgentFolder } from '../../shared/rules';
import { readRegularFile } from '../fs/read-regular-file';
import { BottleError } from '../base/bottle-error';
import { agentTrust, trustAgent } from './agent-trust';
import { loadAgent, type AgentConfig, type AgentDefinition } from './agents';

const MAX_LISTED_FILES = 200;

/** A `project:NAME` agent of the given project folder; anything else is refused. */
export async function loadProjectAgent(name: string, cwd: string): Promise<AgentDefinition> {
  if (projectAgentFolder(name) === null)
    throw new BottleError('invalid-argument', `${JSON.stringify(name.slice(0, 80))} is not a project agent (expected project:NAME)`);
  return loadAgent(name, cwd);
}

/** Every other file of the folder (what the Dockerfile can COPY), relative paths with sizes. */
async function otherFiles(dir: string): Promise<{ path: string; bytes: number }[]> {
  const files: { path: string; bytes: number }[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const name of (await readdir(join(dir, relative))).sort()) {
      if (files.length >= MAX_LISTED_FILES) return;
      const rel = relative === '' ? name : `${relative}/${name}`;
      if (rel === 'agent.json' || rel === 'Dockerfile') continue;
      const info = await lstat(join(dir, rel));
      if (info.isDirectory()) await walk(rel);
      else files.push({ path: info.isSymbolicLink() ? `${rel} (symbolic link)` : rel, bytes: info.size });
    }
  };
  await walk('');
  return files;
}

/**
 * agent.json as the app reads it: parsed and laid out one key per line. A file that repeats a key
 * says two things; what is shown is the one that takes effect.
 */
function asRead(text: string): string {
  return `${JSON.stringify(JSON.parse(text) as unknown, null, 2)}\n`;
}

/**
 * What the operator reads before trusting a project agent: both files in full, the rest listed,
 * all from the one private copy whose hash the review carries (what is shown is what is trusted).
 */
export async function reviewProjectAgent(
  name: string,
  cwd: string,
  /** Where each of its secrets would go (credentials/secret-placements.ts, a layer above this one). */
  secretsOf: (config: AgentConfig) => Promise<SecretPlacement[]>,
): Promise<ProjectAgentReview> {
  const agent = await loadProjectAgent(name, cwd);
  const [agentJson, dockerfile, files, contextHash, trust, dir] = await Promise.all([
    readRegularFile(join(agent.dir, 'agent.json'), 64 * 1024),
    readRegularFile(join(agent.dir, 'Dockerfile'), 1024 * 1024),
    otherFiles(agent.dir),
    agent.contextHash(),
    agentTrust(agent),
    realpath(agent.origin),
  ]);
  return {
    name: agent.name,
    dir,
    trust,
    contextHash,
    agentJson: asRead(agentJson),
    dockerfile,
    env: agent.config.env,
    secrets: await secretsOf(agent.config),
    otherFiles: files,
    risks: dockerfileRiskNotes(dockerfile),
  };
}

/** Trusts a project agent as the operator saw it (`contextHash` from its review). */
export async function trustProjectAgent(name: string, cwd: string, contextHash: string | null, by: string): Promise<void> {
  await trustAgent(await loadProjectAgent(name, cwd), contextHash, by);
}
