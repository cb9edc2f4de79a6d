import { posix } from 'node:path';
import type { AgentDefinition } from '../agents/agents';
import type { LaunchSecrets } from '../credentials/agent-secrets';
import type { EngineContainer } from '../engine/engine-client';
import { ROOT_OWNER, type ArchiveEntry } from '../engine/container-archive';
import { readContainerFile } from '../engine/container-files';
import { BottleError } from '../base/bottle-error';
import { promptArgsFor } from '../agents/agent-options';
import type { BottleOptions } from '../state/bottle-options';
import { readSettings } from '../state/settings';
import { TOOL_MOUNT } from '../engine/bottle-mounts';
import { appendHostFile, collectHostConfig, HOST_CONFIG_LIMITS } from './host-config';

/*
 * What a launch adds to the agent's own container beyond its folders: the command (autonomous or
 * not, wrapped when secrets travel as files), the variables the agent needs as root, its login
 * files and secret variables, and at a first start the operator's own setup.
 */

/** Where secret variables travel: one file per variable, read by the wrapper, never in `Env`. */
export const SECRETS_DIR = '/run/claude-bottle/secrets';
/** Exports every variable in SECRETS_DIR, then execs the agent's command. */
export const SECRETS_WRAPPER = `${TOOL_MOUNT}/bin/with-bottle-secrets`;

/**
 * The command a launch runs: the agent's (resume) command, its autonomousArgs when chosen, at the
 * first start the task through its promptArgs (a resume continues the conversation: the task was
 * given once), wrapped when secrets travel as files. `fork`: the first launch of a fork, which
 * continues the parent's conversation its own way (forkCommand) with the fork's own task, if any.
 */
export function launchCommand(
  agent: AgentDefinition,
  options: BottleOptions,
  resume: boolean,
  secrets: LaunchSecrets,
  fork = false,
): string[] {
  const base = fork ? agent.config.forkCommand : resume ? agent.config.resumeCommand : agent.config.command;
  if (options.autonomous && agent.config.autonomousArgs.length === 0) {
    throw new BottleError('invalid-argument', `agent "${agent.name}" has no autonomous mode (agent.json "autonomousArgs")`);
  }
  const task = resume && !fork ? null : options.task;
  if (task !== null) requireTaskable(agent);
  const command = options.autonomous ? [...base, ...agent.config.autonomousArgs] : base;
  const withTask = task === null ? command : [...command, ...promptArgsFor(agent.config, task)];
  return secrets.env.length > 0 ? [SECRETS_WRAPPER, ...withTask] : withTask;
}

/** Refuses a task for an agent that does not declare how it takes one. */
export function requireTaskable(agent: AgentDefinition): void {
  if (agent.config.promptArgs.length === 0)
    throw new BottleError('invalid-argument', `agent "${agent.name}" takes no task at start (agent.json "promptArgs")`);
}

/** Where the bottle finds the installation CA the gateway's certificates for signed hosts come from. */
export const GATEWAY_CA_DIR = '/etc/claude-bottle';
export const GATEWAY_CA_PATH = `${GATEWAY_CA_DIR}/gateway-ca.pem`;

/** The CA certificate (never its key; it is no secret), root's and readable by all. */
export function gatewayCaEntries(caPem: string | null): ArchiveEntry[] {
  if (caPem === null) return [];
  return [
    { target: GATEWAY_CA_DIR, type: 'directory', mode: 0o755, owner: ROOT_OWNER },
    { target: GATEWAY_CA_PATH, type: 'file', content: Buffer.from(caPem), mode: 0o644, owner: ROOT_OWNER },
  ];
}

/**
 * Node (Claude Code) trusts the CA in addition to its own roots. NODE_EXTRA_CA_CERTS only: SSL_CERT_FILE
 * would replace the system's roots with ours for every other tool, and the gateway terminates TLS
 * only for the signed hosts; everything else keeps its real certificate.
 */
export function gatewayCaEnv(caPem: string | null): string[] {
  return caPem === null ? [] : [`NODE_EXTRA_CA_CERTS=${GATEWAY_CA_PATH}`];
}

/** `rootEnv` as NAME=value entries when the agent runs as uid 0 (a root-owned mounted folder). */
export function rootEnvFor(agent: AgentDefinition, runUid: number): string[] {
  return runUid === 0 ? Object.entries(agent.config.rootEnv).map(([name, value]) => `${name}=${value}`) : [];
}

/** The login files into the config folder and each secret variable as a file, all 0600 and the agent's. */
export function secretEntries(secrets: LaunchSecrets): ArchiveEntry[] {
  const entries: ArchiveEntry[] = secrets.files.map((file) => ({
    target: file.target,
    type: 'file',
    content: file.content,
    mode: 0o600,
    mtime: new Date(file.mtimeMs),
  }));
  if (secrets.env.length > 0) {
    entries.push({ target: SECRETS_DIR, type: 'directory', mode: 0o700 });
    for (const { name, value } of secrets.env)
      entries.push({ target: `${SECRETS_DIR}/${name}`, type: 'file', content: Buffer.from(value), mode: 0o600 });
  }
  return entries;
}

/**
 * At a bottle's first start: the operator's own setup from their home, copied into the config
 * folder (a project's agent never gets it: a repository must not read the operator's home).
 * `progress` gets one line of what was copied and one per thing left out.
 */
export async function hostConfigEntries(
  container: EngineContainer,
  agent: AgentDefinition,
  progress: (line: string) => void,
): Promise<ArchiveEntry[]> {
  const spec = agent.config.hostConfig;
  const configDir = agent.config.transcriptDir;
  if (spec === null || configDir === null || agent.source === 'project') return [];
  if (!(await readSettings()).copyHostConfig) return [];
  const copy = await collectHostConfig(spec, agent.config.secretFiles);
  const at = (path: string): string => posix.join(configDir, path);
  const entries: ArchiveEntry[] = [
    ...copy.dirs.map((dir): ArchiveEntry => ({ target: at(dir), type: 'directory', mode: 0o755 })),
    ...copy.files.map((file): ArchiveEntry => ({
      target: at(file.path),
      type: 'file',
      content: file.content,
      mode: file.executable ? 0o755 : 0o644,
    })),
  ];
  for (const { name, content } of copy.appends) {
    const own = await readContainerFile(container, at(name), HOST_CONFIG_LIMITS.fileBytes);
    entries.push({ target: at(name), type: 'file', content: appendHostFile(own?.content ?? null, name, spec.from, content), mode: 0o644 });
  }
  if (copy.copied.length > 0) progress(`Copied your setup from ~/${spec.from}: ${copy.copied.join(', ')}`);
  for (const line of copy.skipped.slice(0, 5)) progress(`Left out ${line}`);
  if (copy.skipped.length > 5) progress(`Left out ${copy.skipped.length - 5} more`);
  return entries;
}
