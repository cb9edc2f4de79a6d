import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointView } from '../../src/shared/checkpoints';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { abMedians, docker, median, percentile, recorded, spreadNote, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';
import { writeBlob } from '../fixtures';

const MEGABYTES = 200;
/** Rounds of each side after the warm-up. */
const ROUNDS = 5;

/**
 * Issue 24: a checkpoint of a running copy-mode bottle whose workspace holds 200 MB, through the
 * warm core (as the app's button calls it), against `docker cp` of the same /workspace out of the
 * same container in the same run; and how long the container was paused for it.
 */
export async function checkpointFigures(env: BenchEnv): Promise<Figure[]> {
  const project = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-checkpoint-'));
  const out = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-checkpoint-cp-'));
  let identity: string | null = null;
  try {
    await writeBlob(project, MEGABYTES);
    identity = (await env.core.bottles.start({ agent: 'scripted', cwd: project, copy: true })).identity;
    const started = identity;
    const info = await findBottleContainer(env.ctx.docker, started);
    if (info === null) throw new Error(`bench: no container for ${started}`);
    const taken: CheckpointView[] = [];
    const oursTimes: number[] = [];
    const dockerTimes: number[] = [];
    const result = await abMedians(
      ROUNDS,
      recorded(async () => void taken.push(await env.core.checkpoints.create(started)), oursTimes),
      recorded(async () => void (await docker(['cp', `${info.Id}:/workspace`, join(out, 'ref')])), dockerTimes),
      async () => {
        // Each side starts from nothing: the last checkpoint dropped (its budget freed), the last copy removed.
        for (const view of taken.splice(0)) await env.core.checkpoints.drop(started, view.id);
        await rm(join(out, 'ref'), { recursive: true, force: true });
      },
    );
    const ratio = result.ours / result.docker;
    const pauses = oursTimes.length > 0 ? await pausedSamples(env, started, ROUNDS) : [];
    const pause = median(pauses) / 1000;
    return [
      {
        figure: `checkpoint of a ${MEGABYTES} MB copy-mode workspace (vs docker cp)`,
        ours: result.ours,
        docker: result.docker,
        unit: 's',
        ratio,
        target: 'ratio ≤ 1.0',
        pass: ratio <= 1.0,
        note: spreadNote(oursTimes, dockerTimes, (seconds) => `${(seconds * 1000).toFixed(0)} ms`),
      },
      {
        figure: `checkpoint's pause of the container, ${MEGABYTES} MB (vs docker cp)`,
        ours: pause,
        docker: result.docker,
        unit: 's',
        ratio: pause / result.docker,
        target: 'ratio ≤ 1.0',
        pass: pause / result.docker <= 1.0,
        note: `pause p50 ${median(pauses).toFixed(0)} ms p95 ${percentile(pauses, 95).toFixed(0)} ms (${pauses.length} checkpoints)`,
      },
    ];
  } finally {
    if (identity !== null) await env.core.bottles.remove(identity, { keepState: false, force: true });
    await rm(project, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

/** The pause of `rounds` more checkpoints, as each manifest records it (ms); each dropped after. */
async function pausedSamples(env: BenchEnv, identity: string, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const view = await env.core.checkpoints.create(identity);
    if (view.pausedMs !== null) samples.push(view.pausedMs);
    await env.core.checkpoints.drop(identity, view.id);
  }
  return samples;
}
