import { randomBytes } from 'node:crypto';
import type { BottleView } from '../../src/shared/bottle-view';
import { BRIDGE_OPTIONS } from '../../src/core/engine/bottle-networks';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { abMedians, cli, docker, type Figure } from '../bench-lib';
import { dockerRunArgs, type BenchEnv } from '../bench-env';
import { removeBenchContainers } from '../fixtures';

const ROUNDS = 7;
/** Outside the bottles' 10.213.0.0/16, so a reference network never takes a bottle's subnet. */
const REFERENCE_SUBNET = '10.254.254.0/29';

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
  let network: string | null = null;
  const result = await abMedians(
    ROUNDS,
    async () => {
      const view = JSON.parse(await cli(['start', 'scripted', '--cwd', env.project, '--detach', '--json'])) as BottleView;
      made.add(view.identity);
    },
    async () => {
      const suffix = randomBytes(3).toString('hex');
      network = `claude-bottle-bench-net-${suffix}`;
      const options = Object.entries(BRIDGE_OPTIONS).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
      await docker(['network', 'create', '--internal', '--subnet', REFERENCE_SUBNET, ...options, network]);
      const [verb, ...rest] = dockerRunArgs(warm.identity, image, env.project, `claude-bottle-bench-ref-${suffix}`);
      await Promise.all([docker(['network', 'connect', network, gateway]), docker([verb as string, '--network', network, ...rest])]);
    },
    async () => {
      await removeBenchContainers(env.ctx.docker, made);
      if (network === null) return;
      await docker(['network', 'disconnect', '--force', network, gateway]);
      await docker(['network', 'rm', network]);
      network = null;
    },
  );
  const ratio = result.ours / result.docker;
  return {
    figure: 'start --detach vs docker doing the same engine work (network create, gateway connect ‖ run -d on it)',
    ours: result.ours,
    docker: result.docker,
    unit: 's',
    ratio,
    target: 'ratio ≤ 1.3',
    pass: ratio <= 1.3,
    note: `p95 ours ${(result.oursP95 * 1000).toFixed(0)} ms, docker ${(result.dockerP95 * 1000).toFixed(0)} ms (${ROUNDS} rounds)`,
  };
}
