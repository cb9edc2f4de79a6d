import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BottleView } from '../../src/shared/bottle-view';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { bottlePaths } from '../../src/core/state/state-paths';
import { abMedians, cli, docker, type Figure } from '../bench-lib';
import { dockerRunArgs, type BenchEnv } from '../bench-env';
import { removeBenchContainers, writeBlob } from '../fixtures';

const ROUNDS = 7;

/** The medians are the figure; the note gives each side's p95 over the same rounds. */
function p95Note(result: { oursP95: number; dockerP95: number }): string {
  return `p95 ours ${(result.oursP95 * 1000).toFixed(0)} ms, docker ${(result.dockerP95 * 1000).toFixed(0)} ms (${ROUNDS} rounds)`;
}

/** `claude-bottle start --detach` with a cached image vs `docker run -d` of the same image and mounts. */
export async function startFigure(env: BenchEnv, rootOwned = false): Promise<Figure> {
  const project = rootOwned ? await mkdtemp(join(tmpdir(), 'claude-bottle-bench-root-')) : env.project;
  const warm = JSON.parse(await cli(['start', 'scripted', '--cwd', project, '--detach', '--json'])) as BottleView;
  const image = warm.image as string;
  const made = new Set<string>([warm.identity]);
  const paths = bottlePaths(warm.identity);
  await mkdir(paths.inbox, { recursive: true });
  let n = 0;
  const result = await abMedians(
    ROUNDS,
    async () => {
      const view = JSON.parse(await cli(['start', 'scripted', '--cwd', project, '--detach', '--json'])) as BottleView;
      made.add(view.identity);
    },
    async () => {
      n += 1;
      const name = `claude-bottle-bench-ref-${n}-${randomBytes(3).toString('hex')}`;
      await docker(dockerRunArgs(warm.identity, image, project, name, rootOwned ? '0:0' : '1000:1000'));
    },
    async () => removeBenchContainers(env.ctx.docker, made),
  );
  const ratio = result.ours / result.docker;
  const what = rootOwned ? 'start --detach, root-owned project (home handed to uid 0)' : 'start --detach (cached image) vs docker run -d';
  // Issue 23's goal: the CLI's start within 1.2× docker run -d.
  return {
    figure: what,
    ours: result.ours,
    docker: result.docker,
    unit: 's',
    ratio,
    target: 'ratio ≤ 1.2',
    pass: ratio <= 1.2,
    note: p95Note(result),
  };
}

/** Resume with a prebuilt image and a 10 MB transcript vs `docker run -d`. */
export async function resumeFigure(env: BenchEnv): Promise<Figure> {
  const view = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
  const image = view.image as string;
  await cli(['stop', view.identity]);
  await writeBlob(`${bottlePaths(view.identity).transcript}/blob`, 10);
  await writeFile(`${bottlePaths(view.identity).transcript}/log.txt`, 'run 1\n');
  const made = new Set<string>();
  let n = 0;
  let running = false;
  const result = await abMedians(
    ROUNDS,
    async () => {
      await cli(['resume', view.identity, '--detach']);
      running = true;
    },
    async () => {
      n += 1;
      await docker(dockerRunArgs(view.identity, image, env.project, `claude-bottle-bench-ref-${n}-${randomBytes(3).toString('hex')}`));
    },
    async () => {
      if (running) await cli(['stop', view.identity]);
      running = false;
      await removeBenchContainers(env.ctx.docker, made);
    },
  );
  const ratio = result.ours / result.docker;
  return {
    figure: 'resume (prebuilt image, 10 MB transcript) vs docker run -d',
    ours: result.ours,
    docker: result.docker,
    unit: 's',
    ratio,
    // Issue 23's goal: within 1.3× docker run -d.
    target: 'ratio ≤ 1.3',
    pass: ratio <= 1.3,
    note: p95Note(result),
  };
}

/**
 * The same start and resume through the core in an already-running process, as the desktop app
 * and `serve` do on a click: what the bottle logic costs without a Node process start per command.
 */
export async function warmCoreFigures(env: BenchEnv): Promise<Figure[]> {
  const started = new Set<string>();
  const warm = await env.core.bottles.start({ agent: 'scripted', cwd: env.project, copy: false });
  const image = (await findBottleContainer(env.ctx.docker, warm.identity))?.Image as string;
  let n = 0;
  const reference = async (): Promise<void> => {
    n += 1;
    await docker(dockerRunArgs(warm.identity, image, env.project, `claude-bottle-bench-ref-${n}-${randomBytes(3).toString('hex')}`));
  };
  const start = await abMedians(
    ROUNDS,
    async () => {
      started.add((await env.core.bottles.start({ agent: 'scripted', cwd: env.project, copy: false })).identity);
    },
    reference,
    async () => removeBenchContainers(env.ctx.docker, started),
  );
  await env.core.bottles.stop(warm.identity);
  await writeBlob(`${bottlePaths(warm.identity).transcript}/blob`, 10);
  let running = false;
  const resume = await abMedians(
    ROUNDS,
    async () => {
      await env.core.bottles.resume(warm.identity);
      running = true;
    },
    reference,
    async () => {
      if (running) await env.core.bottles.stop(warm.identity);
      running = false;
      await removeBenchContainers(env.ctx.docker, new Set());
    },
  );
  await removeBenchContainers(env.ctx.docker, new Set([...started, warm.identity]));
  const startRatio = start.ours / start.docker;
  const resumeRatio = resume.ours / resume.docker;
  return [
    {
      figure: 'start from the running app (warm core) vs docker run -d',
      ours: start.ours,
      docker: start.docker,
      unit: 's',
      ratio: startRatio,
      target: 'ratio ≤ 1.3',
      pass: startRatio <= 1.3,
      note: p95Note(start),
    },
    {
      figure: 'resume from the running app (warm core, 10 MB transcript) vs docker run -d',
      ours: resume.ours,
      docker: resume.docker,
      unit: 's',
      ratio: resumeRatio,
      target: 'ratio ≤ 1.6',
      pass: resumeRatio <= 1.6,
      note: p95Note(resume),
    },
  ];
}
