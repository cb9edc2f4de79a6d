import { createHash } from 'node:crypto';
import { slugifyAgentName } from '../../shared/identity';
import type { AgentConfig, AgentDefinition } from '../agents/agents';
import type { CredentialVersion } from './credential-freshness';

/** The set the shipped Claude Code agent signs in to; what the header shows. */
export const CLAUDE_CREDENTIAL_SET = 'claude';

/** What decides an agent's credential set. */
export type CredentialHolder = Pick<AgentDefinition, 'name' | 'source' | 'config' | 'project'>;

/**
 * The credential store folder an agent uses: its `credentialSet`, else its own name. A project's
 * agent (a repository's, untrusted input) gets a set of its own, whatever it declares, keyed by
 * its repository too (`project-<set>-<hash of the project's resolved path and the set>`): it can
 * never be handed the operator's own login, nor read or overwrite another repository's agent's.
 */
export function credentialSetOf(agent: CredentialHolder): string {
  const declared = agent.config.credentialSet ?? slugifyAgentName(agent.name);
  if (agent.source !== 'project') return declared.slice(0, 55);
  if (agent.project === null) throw new Error(`project agent ${agent.name} has no project folder`);
  const repository = createHash('sha256').update(agent.project).update('\0').update(declared).digest('hex').slice(0, 16);
  return `project-${declared.slice(0, 39)}-${repository}`;
}

// Names that say they hold a secret: an agent's plain `env` passthrough of one of these is
// delivered as a file too, so an older agent.json with `"env": ["ANTHROPIC_API_KEY"]` never puts
// the key into `docker inspect`.
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CREDENTIAL|PRIVATE_KEY)/i;

/** Variables whose values are secrets: declared `secretEnv`, and `env` names that look like one. */
export function secretEnvNames(config: Pick<AgentConfig, 'secretEnv' | 'env'>): string[] {
  return [...new Set([...config.secretEnv, ...config.env.filter((name) => SECRET_NAME.test(name))])];
}

/** The plain passthrough names that stay container environment entries. */
export function plainEnvNames(config: AgentConfig): string[] {
  const secret = new Set(secretEnvNames(config));
  return config.env.filter((name) => !secret.has(name));
}

export interface SecretFileForLaunch extends CredentialVersion {
  /** Absolute path in the container (in the agent's config folder). */
  target: string;
}

export interface LaunchSecrets {
  files: SecretFileForLaunch[];
  env: { name: string; value: string }[];
  /** Declared variables held in the bottle because the launching shell passed them (names only): Inspect says so. */
  fromEnvironment?: string[];
}
