import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import { TEST_BASE_IMAGE } from './busybox-image';

export const TEST_TRANSCRIPT_DIR = '/home/agent/.transcript';

/**
 * A shell-script agent that behaves like a real one: it appends to its transcript on every run,
 * reads back what earlier runs wrote, writes into /workspace, then idles until stopped.
 */
export const TRANSCRIPT_AGENT_SCRIPT = [
  'set -e',
  `t=${TEST_TRANSCRIPT_DIR}/log.txt`,
  'mkdir -p "$(dirname "$t")"',
  'n=$(cat "$t" 2>/dev/null | wc -l)',
  'echo "run $((n + 1)) as $(id -u) mode=$1 home=$HOME" >> "$t"',
  'echo "agent run $((n + 1)) saw $n earlier transcript lines"',
  'echo "written by run $((n + 1))" > /workspace/agent-output-$((n + 1)).txt',
  'exec sleep 3600',
].join('\n');

export interface TestAgentOptions {
  name?: string;
  /** Where the agent folder goes; default `<CLAUDE_BOTTLE_HOME>/agents`. */
  agentsDir?: string;
  script?: string;
  resumeScript?: string;
  /** The agent.json `user`; null leaves it out, so the image's own user runs the agent. */
  user?: string | null;
  dockerfileExtra?: string;
  env?: string[];
  /** More agent.json keys (e.g. promptArgs), as given. */
  extraConfig?: Record<string, unknown>;
}

/** Writes an agent folder under `<CLAUDE_BOTTLE_HOME>/agents/<name>` built on the busybox base. */
export async function writeTestAgent(options: TestAgentOptions = {}): Promise<string> {
  const name = options.name ?? 'scripted';
  const dir = join(options.agentsDir ?? join(claudeBottleRoot(), 'agents'), name);
  await mkdir(dir, { recursive: true });
  const script = options.script ?? TRANSCRIPT_AGENT_SCRIPT;
  await writeFile(join(dir, 'agent.sh'), `${script}\n`, { mode: 0o755 });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY agent.sh /usr/bin/agent.sh\n${options.dockerfileExtra ?? ''}`);
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      description: `test agent ${name}`,
      command: ['sh', '/usr/bin/agent.sh', 'start'],
      resumeCommand: ['sh', '/usr/bin/agent.sh', 'resume'],
      workdir: '/workspace',
      ...(options.user === null ? {} : { user: options.user ?? 'agent' }),
      transcriptDir: TEST_TRANSCRIPT_DIR,
      env: options.env ?? [],
      ...options.extraConfig,
    }),
  );
  return dir;
}
