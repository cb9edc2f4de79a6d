import { chown, mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AGENT_OPTIONS } from '../src/core/agents/agent-options';
import { createCore, type Core } from '../src/core/create-core';
import { createCoreDeps, type CoreDeps } from '../src/core/deps/core-deps';
import { containerCreateOptions, type ContainerLimits } from '../src/core/bottles/container-spec';
import { bottleCpus } from '../src/core/state/limits';
import { DEFAULT_SETTINGS } from '../src/core/state/settings';
import { bottleToolDir } from '../src/core/base/resources';
import { ensureTestNodeBaseImage } from '../test/helpers/node-base-image';
import { rawDocker } from '../test/helpers/raw-docker';
import { writeTestAgent } from '../test/helpers/test-agents';
import { writeTestSettings } from '../test/helpers/test-settings';

export interface BenchEnv {
  home: string;
  project: string;
  ctx: CoreDeps;
  /** The warm core, as the running desktop app or `serve` holds it. */
  core: Core;
}

/**
 * A fresh CLAUDE_BOTTLE_HOME (inherited by every CLI child) with the scripted test agent and the
 * test settings: the gateway on, as it is by default, built FROM the local node base (no registry).
 */
export async function createBenchEnv(): Promise<BenchEnv> {
  const home = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-'));
  const project = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-project-'));
  // The common desktop case: the operator's uid owns the project and matches the agent image's
  // user (uid 1000, like `node` in the official Node images). A root-owned folder is measured
  // separately, since the agent's home must then be handed over to uid 0 first.
  if (process.getuid?.() === 0) await chown(project, 1000, 1000);
  process.env.CLAUDE_BOTTLE_HOME = home;
  await ensureTestNodeBaseImage(rawDocker());
  await writeTestSettings();
  await writeTestAgent();
  const ctx = createCoreDeps();
  return { home, project, ctx, core: createCore({ deps: ctx }) };
}

/** The limits our launches get with default settings on this machine's engine (2 cores: 1 CPU). */
const REFERENCE_LIMITS: ContainerLimits = {
  cpus: bottleCpus(DEFAULT_SETTINGS, cpus().length),
  logMaxSize: DEFAULT_SETTINGS.logMaxSize,
  logMaxFiles: DEFAULT_SETTINGS.logMaxFiles,
};

/**
 * The `docker run -d` line equivalent to one of our launches: same image, same mounts, same
 * hardening, limits, labels, TTY — the fair reference for start and resume.
 */
export function dockerRunArgs(
  identity: string,
  image: string,
  cwd: string,
  name: string,
  user = '1000:1000',
  extra: { limits?: ContainerLimits; remote?: boolean } = {},
): string[] {
  const limits = extra.limits ?? REFERENCE_LIMITS;
  const remote = extra.remote === true;
  const options = containerCreateOptions({
    identity,
    agentName: 'scripted',
    agent: {
      description: '',
      command: [],
      resumeCommand: [],
      forkCommand: [],
      workdir: '/workspace',
      user: null,
      transcriptDir: null,
      env: [],
      ...DEFAULT_AGENT_OPTIONS,
    },
    image,
    imagePath: null,
    command: ['sh', '/usr/bin/agent.sh', 'start'],
    user: 'agent',
    home: null,
    mountCwd: remote ? null : cwd,
    gitControl: [],
    toolDir: bottleToolDir(),
    hostMounts: !remote,
    passthroughEnv: [],
    limits,
  });
  const host = options.HostConfig ?? {};
  const log = host.LogConfig?.Config ?? {};
  return [
    'run',
    '-d',
    '-t',
    '-i',
    '--name',
    name,
    // Same number of labels as ours, but never our identity: the reference must not pass for the bottle.
    ...Object.keys(options.Labels ?? {}).flatMap((key) => [
      '--label',
      `${key.replace('claude-bottle.', 'claude-bottle-bench.')}=${identity}`,
    ]),
    '--label',
    'claude-bottle.bench=true',
    ...(host.Mounts ?? []).flatMap((m) => ['--mount', `type=bind,source=${m.Source},target=${m.Target}${m.ReadOnly ? ',readonly' : ''}`]),
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges:true',
    '--pids-limit',
    String(host.PidsLimit),
    '--memory',
    String(host.Memory),
    '--init',
    '--cpus',
    String((host.NanoCpus ?? 0) / 1e9),
    '--log-driver',
    host.LogConfig?.Type ?? 'json-file',
    ...Object.entries(log).flatMap(([key, value]) => ['--log-opt', `${key}=${value}`]),
    '--user',
    user,
    '-w',
    '/workspace',
    ...(options.Env ?? []).flatMap((entry) => ['-e', entry]),
    image,
    ...(options.Cmd as string[]),
  ];
}
