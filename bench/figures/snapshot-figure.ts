import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgent } from '../../src/core/agents/agents';
import { stopAndSave } from '../../src/core/bottles/bottle-lifecycle';
import type { LoadedBottle } from '../../src/core/deps/loaded-bottle';
import { bottleIdentity } from '../../src/core/state/bottle-identity';
import { isoNow } from '../../src/core/state/metadata';
import { TEST_BASE_IMAGE } from '../../test/helpers/busybox-image';
import { TEST_TRANSCRIPT_DIR } from '../../test/helpers/test-agents';
import { abMedians, docker, recorded, spreadNote, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';

const MEGABYTES = 200;
/** Rounds of each side after the warm-up: enough for a p95 on a busy machine. */
const ROUNDS = 5;

/** Written once, at the first start: a restart between rounds finds it there and only sleeps. */
const AGENT = [
  'if [ ! -f /workspace/.written ]; then',
  `  mkdir -p /workspace ${TEST_TRANSCRIPT_DIR} && echo turn > ${TEST_TRANSCRIPT_DIR}/turn.txt`,
  `  i=0; while [ $i -lt ${MEGABYTES} ]; do head -c 1048576 /dev/urandom > /workspace/chunk-$i.bin; i=$((i+1)); done`,
  '  touch /workspace/.written',
  'fi',
  'exec sleep 3600',
].join('\n');

/**
 * The teardown's snapshot of a copy-mode bottle holding 200 MB (ours: the stop's own save,
 * stopAndSave, on a running container, as a stop finds it; its time includes the stop itself)
 * vs `docker cp` of the same folder out of the same container.
 */
export async function snapshotFigure(env: BenchEnv): Promise<Figure> {
  const container = await env.ctx.docker.createContainer({
    Image: TEST_BASE_IMAGE,
    Cmd: ['sh', '-c', AGENT],
    // Not claude-bottle.bench=true: another bench's clean-up (removeBenchContainers) removes those
    // engine-wide, and would take this one away between two rounds. Removed below, whatever happens.
    Labels: { 'claude-bottle.bench-snapshot': 'true' },
    HostConfig: { Init: true },
  });
  const identity = bottleIdentity('scripted');
  const bottle: LoadedBottle = {
    identity,
    metadata: { identity, agent_name: 'scripted', cwd: env.project, copy_cwd: true, started_at: isoNow() },
    agent: await loadAgent('scripted'),
  };
  const out = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-snap-'));
  const running = async (): Promise<void> => {
    if ((await container.inspect()).State.Running) return;
    await container.start();
    while (!(await container.inspect()).State.Running) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  try {
    await container.start();
    for (;;) {
      const exec = await container.exec({ Cmd: ['ls', '/workspace/.written'], AttachStdout: true });
      const stream = await exec.start({ stdin: false });
      // Read to its end (a stream nobody reads never ends).
      stream.resume();
      await new Promise((resolve) => stream.on('end', resolve));
      if ((await exec.inspect()).ExitCode === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Older than the teardown's clock margin (teardown-snapshot.ts), as an agent's files are at a stop.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const oursTimes: number[] = [];
    const dockerTimes: number[] = [];
    const result = await abMedians(
      ROUNDS,
      recorded(() => stopAndSave(env.ctx, container, bottle, true), oursTimes),
      recorded(async () => {
        await rm(join(out, 'ref'), { recursive: true, force: true });
        await docker(['cp', `${container.id}:/workspace`, join(out, 'ref')]);
      }, dockerTimes),
      running,
    );
    const ours = MEGABYTES / result.ours;
    const reference = MEGABYTES / result.docker;
    return {
      figure: `teardown snapshot, ${MEGABYTES} MB, stop included (vs docker cp)`,
      ours,
      docker: reference,
      unit: 'MB/s',
      ratio: result.ours / result.docker,
      // Issue 23's goal: at least 0.8× docker cp's throughput, i.e. at most 1.25× its time.
      target: 'ratio ≤ 1.25 (≥ 0.8× docker cp)',
      pass: result.ours / result.docker <= 1.25,
      note: spreadNote(oursTimes, dockerTimes, (seconds) => `${(MEGABYTES / seconds).toFixed(0)} MB/s`),
    };
  } finally {
    await container.remove({ force: true });
    await rm(out, { recursive: true, force: true });
  }
}
