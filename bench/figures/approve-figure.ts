import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BottleView } from '../../src/shared/bottle-view';
import { agentImageTag } from '../../src/core/bottles/bottle-image';
import { loadAgent } from '../../src/core/agents/agents';
import { processInbox } from '../../src/core/rebuild';
import { bottlePaths } from '../../src/core/state/state-paths';
import { TEST_TRANSCRIPT_DIR } from '../../test/helpers/test-agents';
import { abMedians, cli, docker, recorded, spreadNote, type Figure } from '../bench-lib';
import { dockerRunArgs, type BenchEnv } from '../bench-env';
import { removeBenchContainers } from '../fixtures';

const ROUNDS = 5;
const FILL_TRANSCRIPT = `mkdir -p ${TEST_TRANSCRIPT_DIR} && head -c 10485760 /dev/urandom > ${TEST_TRANSCRIPT_DIR}/blob.bin`;

async function execSh(containerName: string, script: string): Promise<void> {
  await docker(['exec', containerName, 'sh', '-c', script]);
}

/**
 * Approve & resume of a request whose build is cached, with a 10 MB transcript, from approve to
 * the new container running; vs the same by hand: docker build + docker cp + docker rm -f +
 * docker run -d, in the same run.
 */
export async function approveFigure(env: BenchEnv, warm = false): Promise<Figure> {
  const agent = await loadAgent('scripted');
  const base = await readFile(join(agent.dir, 'Dockerfile'), 'utf8');
  // The same whole-Dockerfile proposal every round, so every build after the first is cached.
  const proposed = `${base}RUN echo built > /opt/marker\n`;
  const view = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
  const identity = view.identity;
  const paths = bottlePaths(identity);
  let round = 0;
  const request = async (): Promise<void> => {
    round += 1;
    const id = `req-bench-${round}`;
    const body = JSON.stringify({ version: 1, id, created_at: new Date().toISOString(), reason: 'bench', dockerfile: proposed });
    await writeFile(join(paths.inbox, `${id}.json`), body);
    await chmod(join(paths.inbox, `${id}.json`), 0o644);
  };
  await execSh(`claude-bottle-${identity}`, FILL_TRANSCRIPT);

  // The by-hand reference works on its own container built from the same agent image.
  const refImage = await agentImageTag(agent);
  const refDir = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-ref-'));
  const contextDir = agent.dir;
  const refDockerfile = join(refDir, 'Dockerfile.bench');
  await writeFile(refDockerfile, proposed);
  let refName = '';
  const refStart = async (): Promise<void> => {
    refName = `claude-bottle-bench-approve-${Date.now().toString(36)}`;
    await docker(dockerRunArgs(identity, refImage, env.project, refName));
    await execSh(refName, FILL_TRANSCRIPT);
  };
  await refStart();
  await request();
  if (warm) await processInbox(identity);
  const oursTimes: number[] = [];
  const dockerTimes: number[] = [];
  try {
    const result = await abMedians(
      ROUNDS,
      recorded(async () => {
        if (!warm) {
          await cli(['approve', identity, '--request', `req-bench-${round}`, '--resume', '--yes']);
          return;
        }
        // What the app does on "Approve & resume" (its inbox watcher read the request earlier).
        await env.core.bottles.approve(identity, { requestId: `req-bench-${round}`, resume: true });
      }, oursTimes),
      recorded(async () => {
        await docker(['build', '-q', '-t', `claude-bottle-bench-ref:latest`, '-f', refDockerfile, contextDir]);
        await rm(join(refDir, 'transcript'), { recursive: true, force: true });
        await docker(['cp', `${refName}:${TEST_TRANSCRIPT_DIR}`, join(refDir, 'transcript')]);
        await docker(['rm', '-f', refName]);
        refName = `${refName}-next`;
        await docker(dockerRunArgs(identity, 'claude-bottle-bench-ref:latest', env.project, refName));
      }, dockerTimes),
      async () => {
        // Untimed: the next round needs a pending request and a 10 MB transcript on both sides.
        await request();
        if (warm) await processInbox(identity);
        const mine = JSON.parse(await cli(['ls', '--json'])) as BottleView[];
        if (mine.find((v) => v.identity === identity)?.status !== 'running')
          throw new Error('bench bottle is not running after approve & resume');
        await execSh(refName, FILL_TRANSCRIPT).catch(async () => refStart());
      },
    );
    const ratio = result.ours / result.docker;
    const figure = warm
      ? 'approve & resume from the running app (warm core) vs build+cp+rm+run'
      : 'approve & resume (cached build, 10 MB transcript) vs build+cp+rm+run';
    // Issue 23's goals: the CLI within 1.2× the by-hand docker commands, the running app within 1.1×.
    const goal = warm ? 1.1 : 1.2;
    const note = spreadNote(oursTimes, dockerTimes, (seconds) => `${(seconds * 1000).toFixed(0)} ms`);
    return { figure, ours: result.ours, docker: result.docker, unit: 's', ratio, target: `ratio ≤ ${goal}`, pass: ratio <= goal, note };
  } finally {
    await removeBenchContainers(env.ctx.docker, new Set([identity]));
    await docker(['rm', '-f', refName]).catch(() => '');
    await rm(refDir, { recursive: true, force: true });
  }
}
