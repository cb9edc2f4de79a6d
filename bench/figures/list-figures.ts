import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abMedians, cli, docker, median, run, timed, ROOT, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';
import { createLabelledContainers, generateStateFolders, removeBenchContainers } from '../fixtures';

const ROUNDS = 9;

export interface ListMeasurement {
  /** Medians (p50) of the rounds. */
  seconds: number;
  dockerSeconds: number;
  p95: number;
  dockerP95: number;
  maxRssMb: number;
}

/** The p95s beside the medians the table shows. */
function p95Note(m: ListMeasurement): string {
  return `p95 ${(m.p95 * 1000).toFixed(0)} ms (docker ${(m.dockerP95 * 1000).toFixed(0)} ms)`;
}

/** `claude-bottle ls --json` over `folders` state folders and `containers` containers vs `docker ps -a`. */
export async function measureList(env: BenchEnv, folders: number, containers: number): Promise<ListMeasurement> {
  const home = await mkdtemp(join(tmpdir(), `claude-bottle-bench-ls-${folders}-`));
  const identities = await generateStateFolders(home, folders, env.project);
  const labelled = identities.slice(0, containers);
  await createLabelledContainers(env.ctx.docker, labelled);
  try {
    const lsEnv = { CLAUDE_BOTTLE_HOME: home };
    const count = (JSON.parse(await cli(['ls', '--json'], lsEnv)) as unknown[]).length;
    if (count < folders) throw new Error(`ls listed ${count} bottles, expected at least ${folders}`);
    const result = await abMedians(
      ROUNDS,
      async () => void (await cli(['ls', '--json'], lsEnv)),
      async () => void (await docker(['ps', '-a'])),
    );
    // Peak memory of the same listing in a fresh process (the CLI's own code path).
    const rss = Number(await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'measure-list.ts')], lsEnv));
    return { seconds: result.ours, dockerSeconds: result.docker, p95: result.oursP95, dockerP95: result.dockerP95, maxRssMb: rss / 1024 };
  } finally {
    await removeBenchContainers(env.ctx.docker, new Set(labelled));
  }
}

export function listFigure(m: ListMeasurement): Figure {
  return {
    figure: 'ls --json, 1,000 state folders + 20 containers (vs docker ps -a)',
    ours: m.seconds,
    docker: m.dockerSeconds,
    unit: 's',
    ratio: m.seconds / m.dockerSeconds,
    target: 'median ≤ 0.3 s',
    pass: m.seconds <= 0.3,
    note: `${p95Note(m)}; peak RSS ${m.maxRssMb.toFixed(0)} MB`,
  };
}

export function scaleFigure(small: ListMeasurement, large: ListMeasurement): Figure {
  const growth = large.seconds / small.seconds;
  return {
    figure: 'ls --json, 5,000 folders + 100 containers (ratio to the 1,000 figure)',
    ours: large.seconds,
    docker: large.dockerSeconds,
    unit: 's',
    ratio: large.seconds / large.dockerSeconds,
    target: '≤ 2× the 1,000-bottle time',
    pass: growth <= 2,
    note: `${growth.toFixed(2)}× the 1,000 figure; ${p95Note(large)}; peak RSS ${large.maxRssMb.toFixed(0)} MB`,
  };
}

export { median, timed };
