import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentSummary } from '../../shared/bottle-view';
import { AGENT_NAME_PATTERN, isAgentName } from '../../shared/rules';
import { hashBuildContext } from '../engine/image-build';
import { BottleError } from '../services/bottle-error';
import { readRegularFile } from '../fs/read-regular-file';
import { builtinAgentsDir } from '../bottles/resources';
import { claudeBottleRoot } from '../state/state-paths';
import { agentOptionFields, agentOptionsFrom, agentOptionsProblem, type AgentOptions } from './agent-options';


const commandSchema = z.array(z.string().min(1)).min(1, 'must name a program');
const agentConfigSchema = z
  .object({
    description: z.string().max(500).optional(),
    command: commandSchema,
    resumeCommand: commandSchema.optional(),
    workdir: z.string().startsWith('/', 'must be an absolute path').optional(),
    user: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'must be a user name or uid[:gid]').optional(),
    transcriptDir: z.string().startsWith('/', 'must be an absolute path').refine((p) => p !== '/', 'must not be /').optional(),
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')).optional(),
    ...agentOptionFields,
  })
  .strict();

/** The core keys, plus the options of agent-options.ts (secrets, autonomous mode, host setup). */
export interface AgentConfig extends AgentOptions {
  description: string;
  command: string[];
  resumeCommand: string[];
  workdir: string;
  /** Null: the image's own user. */
  user: string | null;
  /** Null: nothing is carried over between containers. */
  transcriptDir: string | null;
  env: string[];
}

export interface AgentDefinition {
  name: string;
  /** The agent folder: its build context. */
  dir: string;
  source: AgentSummary['source'];
  config: AgentConfig;
  /**
   * Hash of the build context (tags its image, pins a project agent). Computed on first use and
   * kept for the life of this definition, so one operation that passes its agent along (an
   * approve: build, snapshot, commit, teardown, resume) walks the folder once.
   */
  contextHash(): Promise<string>;
}

export function agentDefinition(fields: Omit<AgentDefinition, 'contextHash'>): AgentDefinition {
  let hash: Promise<string> | null = null;
  return {
    ...fields,
    contextHash() {
      hash ??= hashBuildContext(fields.dir);
      // A failed walk (folder gone meanwhile) is not cached: the next call tries again.
      hash.catch(() => {
        hash = null;
      });
      return hash;
    },
  };
}

/** Where agents are looked up, in order (DESIGN.md §4). */
export function agentSearchPath(cwd?: string): { dir: string; source: AgentSummary['source'] }[] {
  const path: { dir: string; source: AgentSummary['source'] }[] = [];
  if (cwd !== undefined && cwd !== '') path.push({ dir: join(cwd, '.claude-bottle', 'agents'), source: 'project' });
  path.push({ dir: join(claudeBottleRoot(), 'agents'), source: 'user' });
  path.push({ dir: builtinAgentsDir(), source: 'builtin' });
  return path;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads and validates `<dir>/agent.json`; errors name the file and the field. */
export async function readAgentConfig(dir: string): Promise<AgentConfig> {
  const file = join(dir, 'agent.json');
  let raw: string;
  try {
    raw = await readRegularFile(file, 64 * 1024);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BottleError('invalid-argument', `${file}: cannot read (${code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error: unknown) {
    throw new BottleError('invalid-argument', `${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = agentConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new BottleError('invalid-argument', `${file}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  const config = parsed.data;
  const problem = agentOptionsProblem(config);
  if (problem !== null) throw new BottleError('invalid-argument', `${file}: field "${problem.field}": ${problem.message}`);
  return {
    ...agentOptionsFrom(config),
    description: config.description ?? '',
    command: config.command,
    resumeCommand: config.resumeCommand ?? config.command,
    workdir: config.workdir ?? '/workspace',
    user: config.user ?? null,
    transcriptDir: config.transcriptDir?.replace(/\/+$/, '') ?? null,
    env: config.env ?? [],
  };
}

/** Finds and loads an agent by name; a one-line error when it is unknown or malformed. */
export async function loadAgent(name: string, cwd?: string): Promise<AgentDefinition> {
  if (!isAgentName(name)) {
    throw new BottleError('invalid-argument', `invalid agent name ${JSON.stringify(name.slice(0, 80))}`);
  }
  const searched: string[] = [];
  for (const { dir, source } of agentSearchPath(cwd)) {
    const agentDir = join(dir, name);
    searched.push(dir);
    if (!(await isDirectory(agentDir))) continue;
    if ((await lstat(join(agentDir, 'Dockerfile')).catch(() => null))?.isFile() !== true) {
      throw new BottleError('invalid-argument', `agent "${name}" at ${agentDir} has no Dockerfile`);
    }
    return agentDefinition({ name, dir: agentDir, source, config: await readAgentConfig(agentDir) });
  }
  throw new BottleError('not-found', `unknown agent "${name}" (looked in ${searched.join(', ')})`);
}

/** Every loadable agent, first match per name wins; malformed agents are left out of the list. */
export async function listAgents(cwd?: string): Promise<AgentSummary[]> {
  const seen = new Map<string, AgentSummary>();
  for (const { dir } of agentSearchPath(cwd)) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (seen.has(name) || !AGENT_NAME_PATTERN.test(name)) continue;
      try {
        const agent = await loadAgent(name, cwd);
        seen.set(name, { name, description: agent.config.description, source: agent.source, autonomous: agent.config.autonomousArgs.length > 0 });
      } catch {
        // A broken agent folder must not hide the others; starting it reports the error.
      }
    }
  }
  return [...seen.values()];
}
