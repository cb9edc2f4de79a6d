import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BottleView } from '../../src/shared/bottle-view';
import { ensureTestBaseImage } from '../../test/helpers/busybox-image';
import { ensureSecondEngine, secondEngineClient, secondEngineDocker } from '../../test/helpers/second-engine';
import { abMedians, cli, run, type Figure } from '../bench-lib';
import { dockerRunArgs, type BenchEnv } from '../bench-env';
import { createLabelledContainers, generateStateFolders, removeBenchContainers } from '../fixtures';

const CONTEXT = 'bench-second';
const ROUNDS = 7;

/** A temporary DOCKER_CONFIG holding a tcp+TLS context for the second test engine. */
async function benchContexts(): Promise<string> {
  const engine = await ensureSecondEngine();
  await ensureTestBaseImage(secondEngineDocker());
  const config = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-docker-config-'));
  const { tls } = engine;
  execFileSync(
    'docker',
    ['--config', config, 'context', 'create', CONTEXT, '--docker', `host=${engine.tcpHost},ca=${tls.ca},cert=${tls.cert},key=${tls.key}`],
    { stdio: 'ignore' },
  );
  return config;
}

/**
 * `start --context` on the loopback TCP+TLS engine (copy mode: the project, the in-bottle tool and
 * the inbox go in over the API) vs `docker --context … run -d` of the same image and hardening.
 */
export async function contextStartFigure(env: BenchEnv): Promise<Figure> {
  const config = await benchContexts();
  const cliEnv = { DOCKER_CONFIG: config };
  const second = secondEngineClient();
  const made = new Set<string>();
  try {
    const warm = JSON.parse(
      await cli(['start', 'scripted', '--cwd', env.project, '--copy', '--context', CONTEXT, '--detach', '--json'], cliEnv),
    ) as BottleView;
    made.add(warm.identity);
    const image = warm.image as string;
    let n = 0;
    const result = await abMedians(
      ROUNDS,
      async () => {
        made.add(
          (
            JSON.parse(
              await cli(['start', 'scripted', '--cwd', env.project, '--copy', '--context', CONTEXT, '--detach', '--json'], cliEnv),
            ) as BottleView
          ).identity,
        );
      },
      async () => {
        n += 1;
        await run('docker', [
          '--config',
          config,
          '--context',
          CONTEXT,
          ...dockerRunArgs(warm.identity, image, env.project, `claude-bottle-bench-ctx-${n}`, '1000:1000', { remote: true }),
        ]);
      },
      async () => removeBenchContainers(second, made),
    );
    const ratio = result.ours / result.docker;
    return {
      figure: 'start --context (loopback tcp+TLS engine, copy mode) vs docker --context run -d',
      ours: result.ours,
      docker: result.docker,
      unit: 's',
      ratio,
      target: 'ratio ≤ 1.3',
      pass: ratio <= 1.3,
    };
  } finally {
    await removeBenchContainers(second, made);
    await rm(config, { recursive: true, force: true });
  }
}

/** `ls --json` over 200 bottles split across two engines vs 200 on one engine, in the same run. */
export async function twoEngineListFigure(env: BenchEnv): Promise<Figure> {
  const config = await benchContexts();
  const second = secondEngineClient();
  const oneHome = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-ls-one-'));
  const twoHome = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-ls-two-'));
  const one = await generateStateFolders(oneHome, 200, env.project, { prefix: 'one' });
  const local = await generateStateFolders(twoHome, 100, env.project, { prefix: 'loc' });
  const remote = await generateStateFolders(twoHome, 100, env.project, { prefix: 'rem', context: CONTEXT });
  try {
    await createLabelledContainers(env.ctx.docker, [...one, ...local]);
    await createLabelledContainers(second, remote);
    const listed = JSON.parse(await cli(['ls', '--json'], { CLAUDE_BOTTLE_HOME: twoHome, DOCKER_CONFIG: config })) as BottleView[];
    const running = listed.filter((view) => view.status === 'running').length;
    if (running !== 200) throw new Error(`expected 200 running bottles on two engines, ls showed ${running}`);
    const result = await abMedians(
      ROUNDS,
      async () => void (await cli(['ls', '--json'], { CLAUDE_BOTTLE_HOME: twoHome, DOCKER_CONFIG: config })),
      async () => void (await cli(['ls', '--json'], { CLAUDE_BOTTLE_HOME: oneHome, DOCKER_CONFIG: config })),
    );
    const ratio = result.ours / result.docker;
    return {
      figure: 'ls --json, 200 bottles on two engines (ours) vs 200 on one (docker column)',
      ours: result.ours,
      docker: result.docker,
      unit: 's',
      ratio,
      target: 'ratio ≤ 1.5 (engines listed in parallel)',
      pass: ratio <= 1.5,
      note: `p95 ${(result.oursP95 * 1000).toFixed(0)} ms (one engine ${(result.dockerP95 * 1000).toFixed(0)} ms)`,
    };
  } finally {
    await removeBenchContainers(env.ctx.docker, new Set([...one, ...local]));
    await removeBenchContainers(second, new Set(remote));
    await rm(oneHome, { recursive: true, force: true });
    await rm(twoHome, { recursive: true, force: true });
    await rm(config, { recursive: true, force: true });
  }
}
