import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFolderOut } from '../../test/helpers/docker-exec';
import { TEST_BASE_IMAGE } from '../../test/helpers/busybox-image';
import { abMedians, docker, recorded, spreadNote, type Figure } from '../bench-lib';
import type { BenchEnv } from '../bench-env';

const MEGABYTES = 200;
/** Rounds of each side after the warm-up: enough for a p95 on a busy machine. */
const ROUNDS = 5;

/** Snapshot of a 200 MB folder out of a container (ours) vs `docker cp` of the same data. */
export async function snapshotFigure(env: BenchEnv): Promise<Figure> {
  const container = await env.ctx.docker.createContainer({
    Image: TEST_BASE_IMAGE,
    Cmd: [
      'sh',
      '-c',
      `mkdir -p /data && i=0; while [ $i -lt ${MEGABYTES} ]; do head -c 1048576 /dev/urandom > /data/chunk-$i.bin; i=$((i+1)); done; sleep 3600`,
    ],
    Labels: { 'claude-bottle.bench': 'true' },
    HostConfig: { Init: true },
  });
  await container.start();
  const out = await mkdtemp(join(tmpdir(), 'claude-bottle-bench-snap-'));
  try {
    for (;;) {
      const exec = await container.exec({ Cmd: ['sh', '-c', `ls /data | wc -l`], AttachStdout: true });
      const stream = await exec.start({ stdin: false });
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      await new Promise((resolve) => stream.on('end', resolve));
      if (text.includes(String(MEGABYTES))) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const oursTimes: number[] = [];
    const dockerTimes: number[] = [];
    const result = await abMedians(
      ROUNDS,
      recorded(async () => void (await copyFolderOut(container, '/data', join(out, 'ours'))), oursTimes),
      recorded(async () => {
        await rm(join(out, 'ref'), { recursive: true, force: true });
        await docker(['cp', `${container.id}:/data`, join(out, 'ref')]);
      }, dockerTimes),
    );
    const ours = MEGABYTES / result.ours;
    const reference = MEGABYTES / result.docker;
    return {
      figure: `snapshot throughput, ${MEGABYTES} MB (vs docker cp)`,
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
