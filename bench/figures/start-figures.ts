import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BottleView } from '../../src/shared/bottle-view';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { BRIDGE_OPTIONS } from '../../src/core/engine/bottle-networks';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { bottlePaths } from '../../src/core/state/state-paths';
import { abMedians, cli, docker, type Figure } from '../bench-lib';
import { dockerRunArgs, type BenchEnv } from '../bench-env';
import { removeBenchContainers, writeBlob } from '../fixtures';

const ROUNDS = 7;

/** The medians are the figure; the note gives each side's p95 over the same rounds. */
function p95Note(result: { oursP95: number; dockerP95: number }): string {
  return `p95 ours ${(result.oursP95 * 1000).toFixed(0)} ms, docker ${(result.dockerP95 * 1000).toFixed(0)} ms (${ROUNDS} rounds)`;
}

type Timed = { ours: number; docker: number; oursP95: number; dockerP95: number };

/** A timed pair as a figure judged by its ratio to docker (`goal`: the most it may be). */
function ratioFigure(figure: string, result: Timed, goal: number): Figure {
  const ratio = result.ours / result.docker;
  return {
    figure,
    ours: result.ours,
    docker: result.docker,
    unit: 's',
    ratio,
    target: `ratio ≤ ${goal}`,
    pass: ratio <= goal,
    note: p95Note(result),
  };
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
  const what = rootOwned ? 'start --detach, root-owned project (home handed to uid 0)' : 'start --detach (cached image) vs docker run -d';
  // Issue 23's goal: the CLI's start within 1.2× docker run -d.
  return ratioFigure(what, result, 1.2);
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
  // Issue 23's goal: within 1.3× docker run -d.
  return ratioFigure('resume (prebuilt image, 10 MB transcript) vs docker run -d', result, 1.3);
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
  return [
    ratioFigure('start from the running app (warm core) vs docker run -d', start, 1.3),
    ratioFigure('resume from the running app (warm core, 10 MB transcript) vs docker run -d', resume, 1.6),
  ];
}

/** The same-work reference's networks: a /29 a round in 10.254.254.0/24, outside the bottles' 10.213.0.0/16. */
const REFERENCE_SUBNET_PREFIX = '10.254.254';

/**
 * `start --detach` against the plain docker CLI doing the same engine work a bottle's start does
 * since every bottle got its own network and a way out only through the gateway (issue 19): make
 * an internal bridge network with the bottle's options, join the instance's gateway to it while
 * the container is run on it. The goal stays the ratio to a bare `docker run -d` (the
 * start figure); this one says how much of that gap is the wall's own engine work.
 */
export async function sameWorkStartFigure(env: BenchEnv): Promise<Figure> {
  const warm = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
  const image = warm.image as string;
  const made = new Set<string>([warm.identity]);
  const gateway = gatewayContainerName();
  // Each round's network stays until the end, like our bottles' own: removing one (and the
  // gateway's endpoint on it) between rounds left the engine busy into the next round's start.
  const networks: string[] = [];
  const result = await abMedians(
    ROUNDS,
    async () => {
      const view = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
      made.add(view.identity);
    },
    async () => {
      const suffix = randomBytes(3).toString('hex');
      const network = `claude-bottle-bench-net-${suffix}`;
      const subnet = `${REFERENCE_SUBNET_PREFIX}.${networks.length * 8}/29`;
      networks.push(network);
      const options = Object.entries(BRIDGE_OPTIONS).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
      await docker(['network', 'create', '--internal', '--subnet', subnet, ...options, network]);
      const [verb, ...rest] = dockerRunArgs(warm.identity, image, env.project, `claude-bottle-bench-ref-${suffix}`);
      await Promise.all([docker(['network', 'connect', network, gateway]), docker([verb as string, '--network', network, ...rest])]);
    },
    async () => removeBenchContainers(env.ctx.docker, made),
  ).finally(async () => {
    for (const network of networks) {
      await docker(['network', 'disconnect', '--force', network, gateway]);
      await docker(['network', 'rm', network]);
    }
  });
  return ratioFigure('start --detach vs docker doing the same engine work (network create, gateway connect ‖ run -d on it)', result, 1.3);
}
