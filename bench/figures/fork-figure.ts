import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointView } from '../../src/shared/checkpoints';
import { checkpointDir } from '../../src/core/checkpoints/checkpoint-store';
import { abMedians, docker, percentile, median, recorded, type Figure } from '../bench-lib';
import { dockerRunArgs, type BenchEnv } from '../bench-env';
import { writeBlob } from '../fixtures';

const MEGABYTES = 200;
const FORKS = 3;
/** Rounds of each side after the warm-up. */
const ROUNDS = 5;

/**
 * Issue 24: a fork of 3 from one checkpoint of a copy-mode bottle whose workspace holds 200 MB,
 * through the warm core (as the app's Fork button calls it), against three `docker run -d` of the
 * same image with the same hardening (no host mounts: a copy) each followed by `docker cp` of the
 * same checkpoint folder into it, in the same run.
 */
export async function forkFigure(env: BenchEnv): Promise<Figure> {
  const project = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-fork-'));
  let parent: string | null = null;
  const made: string[] = [];
  const references: string[] = [];
  try {
    await writeBlob(project, MEGABYTES);
    parent = (await env.core.bottles.start({ agent: 'scripted', cwd: project, copy: true })).identity;
    const from = parent;
    const checkpoint: CheckpointView = await env.core.checkpoints.create(from);
    const workspace = join(checkpointDir(from, checkpoint.id), 'workspace');
    const image = checkpoint.image.reference ?? '';
    const oursTimes: number[] = [];
    const dockerTimes: number[] = [];
    const result = await abMedians(
      ROUNDS,
      recorded(async () => {
        const forked = await env.core.forks.fork(from, { from: checkpoint.id, count: FORKS });
        made.push(...forked.forks.map((fork) => fork.identity));
      }, oursTimes),
      recorded(async () => {
        for (let index = 0; index < FORKS; index += 1) {
          const name = `claude-bottle-bench-fork-ref-${randomBytes(4).toString('hex')}`;
          references.push(name);
          await docker(dockerRunArgs(from, image, project, name, '1000:1000', { remote: true }));
          await docker(['cp', `${workspace}/.`, `${name}:/workspace`]);
        }
      }, dockerTimes),
      async () => {
        // Each side starts from nothing: the last forks removed whole, the reference containers too.
        for (const identity of made.splice(0)) await env.core.bottles.remove(identity, { keepState: false, force: true });
        for (const name of references.splice(0)) await docker(['rm', '-f', name]);
      },
    );
    const ratio = result.ours / result.docker;
    const ms = (values: number[]): string =>
      `p50 ${(median(values) * 1000).toFixed(0)} ms p95 ${(percentile(values, 95) * 1000).toFixed(0)} ms`;
    return {
      figure: `fork of ${FORKS} from a ${MEGABYTES} MB copy-mode checkpoint (vs ${FORKS}× docker run + docker cp)`,
      ours: result.ours,
      docker: result.docker,
      unit: 's',
      ratio,
      target: 'ratio ≤ 1.0',
      pass: ratio <= 1.0,
      note: `ours ${ms(oursTimes.slice(1))}, docker ${ms(dockerTimes.slice(1))} (${ROUNDS} rounds)`,
    };
  } finally {
    for (const identity of made) await env.core.bottles.remove(identity, { keepState: false, force: true }).catch(() => undefined);
    for (const name of references) await docker(['rm', '-f', name]).catch(() => '');
    if (parent !== null) await env.core.bottles.remove(parent, { keepState: false, force: true });
    await rm(project, { recursive: true, force: true });
  }
}
