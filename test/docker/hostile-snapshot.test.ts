import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBottleContainer } from '../../src/core/engine/bottle-containers';
import { BottleError } from '../../src/core/base/bottle-error';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { TEST_TRANSCRIPT_DIR } from '../helpers/test-agents';
import { service } from '../helpers/test-service';

/*
 * Hole 4 of issue 10: a 2 GiB sparse file costs nothing in the container and 2 GiB in the state
 * folder at the next save. The save now counts every entry at its apparent size as it extracts
 * and stops at the cap, replacing nothing.
 */

const env = useBottleTestEnv();
afterEach(() => {
  delete process.env.CLAUDE_BOTTLE_MAX_SNAPSHOT;
});

async function transcriptOf(identity: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`])).output;
}

describe.skipIf(skipWithoutDocker)('a bottle trying to fill the host disk through its snapshot', () => {
  it('a sparse file over CLAUDE_BOTTLE_MAX_SNAPSHOT fails the save: the container and the old snapshot stay', async () => {
    const ctx = createCoreDeps();
    const bottles = service(ctx);
    const { identity } = await bottles.start({ agent: 'scripted', cwd: env.project(), copy: true });
    await eventually(async () => expect(await transcriptOf(identity)).toContain('run 1'));
    await bottles.stop(identity);
    await bottles.resume(identity);
    await eventually(async () => expect(await transcriptOf(identity)).toContain('run 2'));
    const paths = bottlePaths(identity);
    const before = {
      workspace: (await readdir(paths.workspace)).sort(),
      transcript: await readFile(join(paths.transcript, 'log.txt'), 'utf8'),
    };
    expect(before.workspace).toContain('agent-output-1.txt');

    // Costs nothing in the container: a 2 GiB hole.
    expect((await execIn(await bottleContainer(identity), ['truncate', '-s', '2G', '/workspace/sparse'])).exitCode).toBe(0);
    process.env.CLAUDE_BOTTLE_MAX_SNAPSHOT = '1M';
    const stopping = bottles.stop(identity);
    await expect(stopping).rejects.toBeInstanceOf(BottleError);
    await expect(stopping).rejects.toThrow(
      new RegExp(
        `^the snapshot of ${identity} \\(/workspace\\) is larger than its 1 MiB cap \\(CLAUDE_BOTTLE_MAX_SNAPSHOT, or maxSnapshotBytes in .*settings\\.json\\); nothing was replaced: the previous snapshot and the container are kept$`,
      ),
    );

    // The container is still there (stopped, with the agent's files), the old snapshots unchanged,
    // and nothing half-extracted left behind.
    const container = await findBottleContainer(ctx.docker, identity);
    expect(container).not.toBeNull();
    expect((await readdir(paths.workspace)).sort()).toEqual(before.workspace);
    expect(await readFile(join(paths.transcript, 'log.txt'), 'utf8')).toBe(before.transcript);
    expect((await readdir(paths.dir)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    const detail = await bottles.show(identity);
    expect(detail.stateBytes).toBeGreaterThan(0);
    expect(detail.stateBytes).toBeLessThan(1024 * 1024);
    expect(detail.status).toBe('exited');

    // Under a cap that fits, the same save goes through.
    process.env.CLAUDE_BOTTLE_MAX_SNAPSHOT = '3G';
    await bottles.remove(identity, { keepState: false, force: true });
  });
});
