import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TEST_BASE_IMAGE = 'claude-bottle-test-base:latest';
export const E2E_AGENT = 'e2e-agent';
const TRANSCRIPT_DIR = '/home/agent/.transcript';

/**
 * A shell agent that behaves like a real one: it keeps a transcript, says how much of it it saw,
 * asks for a tool with capability-block when the project asks it to (a `.wants-tool` file), reports
 * the tool once the rebuilt image has it, then stays interactive for the terminal.
 */
const SCRIPT = `
t=${TRANSCRIPT_DIR}/log.txt
mkdir -p ${TRANSCRIPT_DIR}
n=$(cat "$t" 2>/dev/null | wc -l)
echo "run $((n + 1)) mode=$1" >> "$t"
echo "AGENT run $((n + 1)) mode=$1 saw $n earlier transcript lines"
if [ -f /opt/e2e-tool ]; then echo "AGENT tool ready: $(cat /opt/e2e-tool)"; fi
if [ "$1" = start ] && [ -f /workspace/.wants-tool ]; then
  capability-block --reason "$(cat /workspace/.wants-tool)" --run 'echo e2e-tool-installed > /opt/e2e-tool'
fi
exec sh -i
`;

/**
 * Writes a shell agent under <home>/agents/<name>, built on the local busybox image: `script` runs
 * as `sh /usr/bin/agent.sh start|resume` as the image's `agent` user; `extra` adds agent.json keys.
 */
export async function writeScriptAgent(
  home: string,
  name: string,
  script: string,
  description: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const dir = join(home, 'agents', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.sh'), script, { mode: 0o755 });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nCOPY agent.sh /usr/bin/agent.sh\n`);
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      description,
      command: ['sh', '/usr/bin/agent.sh', 'start'],
      resumeCommand: ['sh', '/usr/bin/agent.sh', 'resume'],
      workdir: '/workspace',
      user: 'agent',
      ...extra,
    }),
  );
}

/** Writes the agent folder under <home>/agents/<name>, built on the local busybox image. */
export async function writeE2eAgent(home: string, name = E2E_AGENT): Promise<void> {
  await writeScriptAgent(home, name, SCRIPT, 'e2e shell agent', { transcriptDir: TRANSCRIPT_DIR });
}

/**
 * An agent whose image takes a few seconds and several steps to build, with a nonce in its build
 * context so every run really builds: the card must show step n/m and the log tail meanwhile.
 */
export async function writeSlowBuildAgent(home: string, name = 'slow-build'): Promise<void> {
  await writeE2eAgent(home, name);
  const dir = join(home, 'agents', name);
  await writeFile(join(dir, 'nonce.txt'), `${Date.now()}-${Math.random()}\n`);
  await writeFile(
    join(dir, 'Dockerfile'),
    [
      `FROM ${TEST_BASE_IMAGE}`,
      'COPY nonce.txt /opt/nonce.txt',
      'RUN echo "compiling dependencies" && sleep 2',
      'RUN echo "linking the toolchain" && sleep 2',
      'RUN echo "warming caches" && sleep 2',
      'COPY agent.sh /usr/bin/agent.sh',
      '',
    ].join('\n'),
  );
}
