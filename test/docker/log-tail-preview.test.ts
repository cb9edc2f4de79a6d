import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDocker } from '../../src/core/engine/docker-client';
import { containerLogStream } from '../../src/core/engine/container-output';
import { TEST_BASE_IMAGE, ensureTestBaseImage } from '../helpers/busybox-image';
import { eventually } from '../helpers/docker-exec';
import { rawDocker } from '../helpers/raw-docker';
import { skipWithoutDocker } from '../helpers/docker-available';

/*
 * Issue 23: on a local engine the Logs tab's tail is read from the engine's json-file and sent at
 * once, and the engine's own stream follows it. Against a container that writes numbered lines all
 * the while, every open must give a run of consecutive numbers: nothing missing or shown twice
 * where the file's tail meets the engine's stream, whichever lines landed between the two reads.
 */

const skip = skipWithoutDocker || process.getuid?.() !== 0;
const made: Docker.Container[] = [];

afterAll(async () => {
  for (const container of made) await container.remove({ force: true });
});

/**
 * A container that writes `n <number>` lines, ten at a time every 10 ms or so: through its terminal
 * (stdout and stderr alike, as a bottle's), or on stdout alone (two pipes would not keep the order).
 */
async function counting(tty: boolean): Promise<Docker.Container> {
  await ensureTestBaseImage(rawDocker());
  const both = tty ? ' >&2' : '';
  const script = `i=0; while true; do for k in 0 1 2 3 4; do i=$((i+1)); echo "n $i"; i=$((i+1)); echo "n $i"${both}; done; sleep 0.01; done`;
  const container = await rawDocker().createContainer({
    name: `claude-bottle-test-log-preview-${randomBytes(4).toString('hex')}`,
    Image: TEST_BASE_IMAGE,
    Cmd: ['sh', '-c', script],
    Tty: tty,
    Labels: { 'claude-bottle.test': 'log-tail-preview' },
    HostConfig: { Init: true, LogConfig: { Type: 'json-file', Config: {} } },
  });
  made.push(container);
  await container.start();
  // A tail longer than the one asked for, so the file holds it whole.
  await eventually(async () => expect((await container.logs({ stdout: true, stderr: true })).length).toBeGreaterThan(60_000), 30_000);
  return container;
}

/** What one open of the log gives in `ms`: its first chunk and all of it. */
async function opened(stream: Readable, ms: number): Promise<{ first: string; text: string }> {
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  await new Promise((resolve) => setTimeout(resolve, ms));
  stream.destroy();
  return { first: chunks[0] ?? '', text: chunks.join('') };
}

/** Where a run of numbers is not consecutive: "a->b@index" for each break. */
function breaks(seen: number[]): string[] {
  return seen.flatMap((value, index) =>
    index > 0 && value !== (seen[index - 1] as number) + 1 ? [`${seen[index - 1]}->${value}@${index}`] : [],
  );
}

function numbers(text: string): number[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => Number(/^n (\d+)$/.exec(line)?.[1] ?? Number.NaN));
}

describe.skipIf(skip)(
  `a log's tail read from the engine's file, then followed${skip ? ' (skipped: needs the engine, and root to read its files)' : ''}`,
  () => {
    for (const tty of [true, false]) {
      it(`gives every line once, in order, across the seam (${tty ? 'a TTY container, as bottles are' : 'a stream of frames, demultiplexed'})`, async () => {
        const { docker } = connectDocker();
        const container = await counting(tty);
        for (let round = 0; round < 8; round += 1) {
          const stream = await containerLogStream(docker, container.id, { tail: 300, follow: true, onHost: true });
          const { first, text } = await opened(stream, 300);
          // The file's tail arrives as one piece; the engine's stream sends its tail a line per write.
          expect(numbers(first).length).toBe(300);
          const seen = numbers(text);
          expect(seen.length).toBeGreaterThan(300);
          expect(breaks(seen)).toEqual([]);
        }
      });
    }

    it('fails with the engine’s not-found, and leaves nothing unhandled, for a container that is gone', async () => {
      const { docker } = connectDocker();
      await expect(containerLogStream(docker, 'f'.repeat(64), { tail: 10, follow: true, onHost: true })).rejects.toThrow(
        /no such container/i,
      );
    });

    it('leaves the tail to the engine when asked for the engine’s way (a remote engine)', async () => {
      const { docker } = connectDocker();
      const container = made[0] as Docker.Container;
      const stream = await containerLogStream(docker, container.id, { tail: 300, follow: true });
      const { first, text } = await opened(stream, 300);
      expect(numbers(first).length).toBeLessThan(300);
      const seen = numbers(text);
      expect(breaks(seen)).toEqual([]);
    });
  },
);
