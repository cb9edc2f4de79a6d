import { lstat, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleActivity } from '../../src/shared/bottle-view';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { CHECKPOINT_FILES, checkpointDir, folderBytes, listCheckpoints } from '../../src/core/checkpoints/checkpoint-store';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { containerIdOf, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { service } from '../helpers/test-service';
import { writeTestSettings } from '../helpers/test-settings';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello\n');
});

/** Every progress line the approval of `identity` showed, as the app's activity log receives them. */
function progressLines(ctx: CoreDeps, identity: string): string[] {
  const lines: string[] = [];
  ctx.activity.subscribe((id: string, activity: BottleActivity | null) => {
    const last = activity?.logTail.at(-1);
    if (id === identity && last !== undefined && lines.at(-1) !== last) lines.push(last);
  });
  return lines;
}

describe.skipIf(skipWithoutDocker)('the automatic checkpoint of an approval', () => {
  it('copy mode: the state before the rebuild is kept as "approval of <id>", hard-linked, and a later stop never changes it', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: true });
    // A hostile agent's links out of the workspace stay links: the checkpoint never follows one.
    await execIn(await bottleContainer(identity), [
      'sh',
      '-c',
      'echo precious > /workspace/notes.txt && ln -s /etc /workspace/escape && ln -s /etc/passwd /workspace/passwd',
    ]);
    const oldImage = (await (await bottleContainer(identity)).inspect()).Image;
    const lines = progressLines(ctx, identity);

    await service(ctx).approve(identity, { requestId: pending.id, resume: false });

    const [checkpoint, ...others] = await listCheckpoints(identity);
    expect(others).toEqual([]);
    expect(checkpoint).toMatchObject({
      name: `approval of ${pending.id}`,
      source: 'stopped',
      dockerfile: 'agent',
      image: { id: oldImage },
      saved: { workspace: true, transcript: true, dockerfile: true },
    });
    expect(lines.some((line) => line.startsWith(`Checkpoint "approval of ${pending.id}" kept`))).toBe(true);
    const dir = checkpointDir(identity, checkpoint?.id ?? '');
    // The Dockerfile before the rebuild, not the approved one the commit wrote.
    expect(await readFile(join(dir, CHECKPOINT_FILES.dockerfile), 'utf8')).toBe(pending.currentDockerfile);
    expect(await readFile(join(dir, CHECKPOINT_FILES.dockerfile), 'utf8')).not.toContain('/opt/marker');
    const kept = join(dir, CHECKPOINT_FILES.workspace, 'notes.txt');
    expect(await readFile(kept, 'utf8')).toBe('precious\n');
    expect(await readFile(join(dir, CHECKPOINT_FILES.transcript, 'log.txt'), 'utf8')).toContain('run 1 mode=start line B');
    expect((await lstat(join(dir, CHECKPOINT_FILES.workspace, 'escape'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, CHECKPOINT_FILES.workspace, 'passwd'))).toBe('/etc/passwd');
    // Its sizes are what a walk of its folder counts.
    expect(checkpoint?.sizes.total).toBe((await folderBytes(dir)) - (await lstat(join(dir, CHECKPOINT_FILES.manifest))).size);
    // Linked, not copied: the snapshot's file and the checkpoint's are one inode.
    const snapshotFile = join(bottlePaths(identity).workspace, 'notes.txt');
    expect((await lstat(kept)).ino).toBe((await lstat(snapshotFile)).ino);

    // The resumed agent edits the file and the bottle stops: the new snapshot replaces the old
    // one by rename, so the checkpoint still holds what it held.
    await service(ctx).resume(identity);
    await execIn(await bottleContainer(identity), ['sh', '-c', 'echo changed > /workspace/notes.txt']);
    await service(ctx).stop(identity);
    expect(await readFile(snapshotFile, 'utf8')).toBe('changed\n');
    expect(await readFile(kept, 'utf8')).toBe('precious\n');
  });

  it('over the checkpoint budget: the approval goes through and the checkpoint is skipped in one progress line', async () => {
    await writeTestSettings({ maxCheckpointBytes: 64 });
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: true });
    const lines = progressLines(ctx, identity);

    await service(ctx).approve(identity, { requestId: pending.id, resume: true });

    expect(await containerIdOf(ctx, identity)).not.toBeNull();
    expect((await execIn(await bottleContainer(identity), ['cat', '/opt/marker'])).output).toBe('built\n');
    expect(await listCheckpoints(identity)).toEqual([]);
    const skipped = lines.filter((line) => line.startsWith('No checkpoint of this approval'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/over the room left: .*budget \(maxCheckpointBytes in settings\.json\)/);
  });

  it("mount mode: no checkpoint (the project folder is the operator's)", async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    await service(ctx).approve(identity, { requestId: pending.id, resume: false });
    expect(await listCheckpoints(identity)).toEqual([]);
  });
});
