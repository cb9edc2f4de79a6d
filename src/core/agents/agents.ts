import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentSummary } from '../../shared/bottle-view';
import { AGENT_NAME_PATTERN, isAgentName, PROJECT_AGENT_PREFIX, projectAgentFolder } from '../../shared/rules';
import { hashBuildContext } from '../engine/image-build';
import { privateAgentCopy } from './agent-copy';
import { agentTrust } from './agent-trust';
import { BottleError } from '../base/bottle-error';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { builtinAgentsDir } from '../base/resources';
import { userAgentsDir } from '../state/state-paths';
import { agentOptionFields, agentOptionsFrom, agentOptionsProblem, type AgentOptions } from './agent-options';

const commandSchema = z.array(z.string().min(1)).min(1, 'must name a program');
const agentConfigSchema = z
  .object({
    description: z.string().max(500).optional(),
    command: commandSchema,
    resumeCommand: commandSchema.optional(),
    forkCommand: commandSchema.optional(),
    workdir: z.string().startsWith('/', 'must be an absolute path').optional(),
    user: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'must be a user name or uid[:gid]')
      .optional(),
    transcriptDir: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .refine((p) => p !== '/', 'must not be /')
      .optional(),
    env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')).optional(),
    ...agentOptionFields,
  })
  .strict();

/** The core keys, plus the options of agent-options.ts (secrets, autonomous mode, host setup). */
export interface AgentConfig extends AgentOptions {
  description: string;
  command: string[];
  resumeCommand: string[];
  /** The first launch of a fork (issue 24): continues the parent's conversation as a new one of its own. */
  forkCommand: string[];
  workdir: string;
  /** Null: the image's own user. */
  user: string | null;
  /** Null: nothing is carried over between containers. */
  transcriptDir: string | null;
  env: string[];
}

export interface AgentDefinition {
  name: string;
  /**
   * Where everything of the agent is read from: its build context, agent.json, its Dockerfile.
   * For a project agent a private copy of its folder (agent-copy.ts), never the folder itself.
   */
  dir: string;
  /** The folder the agent was found in: named to the operator, and what its trust is recorded for. */
  origin: string;
  /** A project agent's project folder (symlinks resolved); null for the operator's and shipped agents. */
  project: string | null;
  source: AgentSummary['source'];
  config: AgentConfig;
  /**
   * Hash of the build context (tags its image, pins a project agent). Computed on first use and
   * kept for the life of this definition, so one operation that passes its agent along (an
   * approve: build, snapshot, commit, teardown, resume) walks the folder once.
   */
  contextHash(): Promise<string>;
}

type AgentFields = Omit<AgentDefinition, 'contextHash' | 'origin' | 'project'> & Partial<Pick<AgentDefinition, 'origin' | 'project'>>;

/** `knownHash`: the hash of `dir` when the caller already took it (a project agent's copy). */
export function agentDefinition(fields: AgentFields, knownHash?: string): AgentDefinition {
  let hash: Promise<string> | null = knownHash === undefined ? null : Promise.resolve(knownHash);
  return {
    ...fields,
    origin: fields.origin ?? fields.dir,
    project: fields.project ?? null,
    contextHash() {
      hash ??= hashBuildContext(fields.dir);
      // A failed walk (folder gone meanwhile) is not cached: the next call tries again. The
      // error itself reaches every caller awaiting the returned promise; this only forgets it.
      hash.catch((_error: unknown) => {
        hash = null;
      });
      return hash;
    },
  };
}

/**
 * Where a plain agent name is looked up, in order (DESIGN.md §4): the operator's own agents, then
 * the shipped ones. Never the project: a repository must not be able to replace an agent by name.
 */
export function agentSearchPath(): { dir: string; source: AgentSummary['source'] }[] {
  return [
    { dir: userAgentsDir(), source: 'user' },
    { dir: builtinAgentsDir(), source: 'builtin' },
  ];
}

/** A project's own agents, each started as `project:NAME` once trusted. */
export function projectAgentsDir(cwd: string): string {
  return join(cwd, '.claude-bottle', 'agents');
}

async function isDirectory(path: string): Promise<boolean> {
  return (await ifExists(lstat(path)))?.isDirectory() === true;
}

/**
 * Reads and validates `<dir>/agent.json`; errors name the file (in `shownDir`, where the operator
 * put it, when `dir` is a copy) and the field.
 */
export async function readAgentConfig(dir: string, shownDir = dir): Promise<AgentConfig> {
  const file = join(shownDir, 'agent.json');
  let raw: string;
  try {
    raw = await readRegularFile(join(dir, 'agent.json'), 64 * 1024);
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
    forkCommand: config.forkCommand ?? config.resumeCommand ?? config.command,
    workdir: config.workdir ?? '/workspace',
    user: config.user ?? null,
    transcriptDir: config.transcriptDir?.replace(/\/+$/, '') ?? null,
    env: config.env ?? [],
  };
}

async function requireDockerfile(name: string, dir: string, origin: string): Promise<void> {
  if ((await ifExists(lstat(join(dir, 'Dockerfile'))))?.isFile() !== true) {
    throw new BottleError('invalid-argument', `agent "${name}" at ${origin} has no Dockerfile`);
  }
}

async function loadFrom(name: string, agentDir: string, source: AgentSummary['source']): Promise<AgentDefinition> {
  await requireDockerfile(name, agentDir, agentDir);
  return agentDefinition({ name, dir: agentDir, source, config: await readAgentConfig(agentDir) });
}

/**
 * A project agent, from one private copy of its folder taken now: the folder may change at any
 * moment (see agent-copy.ts), the copy and its hash do not.
 */
async function loadProjectAgentCopy(name: string, origin: string, cwd: string): Promise<AgentDefinition> {
  const copy = await privateAgentCopy(origin);
  await requireDockerfile(name, copy.dir, origin);
  const config = await readAgentConfig(copy.dir, origin);
  return agentDefinition({ name, dir: copy.dir, origin, project: await realpath(cwd), source: 'project', config }, copy.contextHash);
}

/**
 * Finds and loads an agent by name; a one-line error when it is unknown or malformed. A plain name
 * is a user or shipped agent; `project:NAME` is the project's own (whose trust the caller checks
 * before building or running it: see agent-trust.ts).
 */
export async function loadAgent(name: string, cwd?: string): Promise<AgentDefinition> {
  if (!isAgentName(name)) {
    throw new BottleError('invalid-argument', `invalid agent name ${JSON.stringify(name.slice(0, 80))}`);
  }
  const folder = projectAgentFolder(name);
  if (folder !== null) {
    if (cwd === undefined || cwd === '')
      throw new BottleError('invalid-argument', `agent ${name} is a project agent: it needs the project folder`);
    const agentDir = join(projectAgentsDir(cwd), folder);
    if (!(await isDirectory(agentDir))) throw new BottleError('not-found', `unknown agent "${name}" (no folder ${agentDir})`);
    return loadProjectAgentCopy(name, agentDir, cwd);
  }
  const searched: string[] = [];
  for (const { dir, source } of agentSearchPath()) {
    const agentDir = join(dir, name);
    searched.push(dir);
    if (await isDirectory(agentDir)) return loadFrom(name, agentDir, source);
  }
  const inProject = cwd !== undefined && cwd !== '' && (await isDirectory(join(projectAgentsDir(cwd), name)));
  const hint = inProject
    ? `; the project has its own agent of that name: start it as ${PROJECT_AGENT_PREFIX}${name} once you trust it`
    : '';
  throw new BottleError('not-found', `unknown agent "${name}" (looked in ${searched.join(', ')})${hint}`);
}

/** The project's own agents, named `project:NAME`, each with whether it is trusted as it is now. */
async function listProjectAgents(cwd: string): Promise<AgentSummary[]> {
  // No .claude-bottle/agents in this project is the usual case; one the host cannot read is an error.
  const names = await orIfMissing(readdir(projectAgentsDir(cwd)), [] as string[]);
  const agents: AgentSummary[] = [];
  for (const folder of names.sort()) {
    if (!AGENT_NAME_PATTERN.test(folder)) continue;
    let agent: AgentDefinition;
    try {
      agent = await loadAgent(`${PROJECT_AGENT_PREFIX}${folder}`, cwd);
    } catch (error: unknown) {
      // Every failure of the repository's own folder is meant: the repository is not ours, and one
      // broken (or hostile) agent folder must not hide the others; reviewing or starting it
      // reports the error.
      continue;
    }
    // Our own trust record, outside the catch: one the host cannot read is an error, never "untrusted".
    agents.push({
      name: agent.name,
      description: agent.config.description,
      source: 'project',
      autonomous: agent.config.autonomousArgs.length > 0,
      trust: await agentTrust(agent),
    });
  }
  return agents;
}

/**
 * Every loadable agent: user and shipped ones (first match per name wins), then, with a project
 * folder, the project's own as `project:NAME`; malformed agents are left out of the list.
 */
export async function listAgents(cwd?: string): Promise<AgentSummary[]> {
  const seen = new Map<string, AgentSummary>();
  for (const { dir } of agentSearchPath()) {
    // A folder of the search path that does not exist has no agents; an unreadable one is an error.
    const names = await orIfMissing(readdir(dir), [] as string[]);
    for (const name of names.sort()) {
      if (seen.has(name) || !AGENT_NAME_PATTERN.test(name)) continue;
      try {
        const agent = await loadAgent(name);
        seen.set(name, {
          name,
          description: agent.config.description,
          source: agent.source,
          autonomous: agent.config.autonomousArgs.length > 0,
        });
      } catch (error: unknown) {
        // A broken definition (a BottleError naming the file and field) must not hide the others;
        // starting it reports the error. Anything else is no broken definition: the listing fails.
        if (!(error instanceof BottleError)) throw error;
      }
    }
  }
  const project = cwd === undefined || cwd === '' ? [] : await listProjectAgents(cwd);
  return [...seen.values(), ...project];
}
