import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { BuildFailedError } from '../../src/core/engine/image-build';
import { readMetadata } from '../../src/core/state/metadata';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { readApprovalRecord } from '../../src/core/rebuild/approval-record';
import { readHistory } from '../../src/core/rebuild/journal';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { bottlePaths, perBottleImageTag } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { containerIdOf, rebuildTranscriptOf, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello\n');
});

describe.skipIf(skipWithoutDocker)('approve and reject on a real engine', () => {
  it('mount mode: the request shows the right diff; Approve & resume rebuilds with the same identity and transcript', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    expect(pending.reason).toBe('need a marker file');
    expect(pending.diff).toContain('+RUN echo built > /opt/marker');
    expect(pending.diff.split('\n').filter((line) => line.startsWith('+') && !line.startsWith('+++'))).toEqual([
      '+RUN echo built > /opt/marker',
    ]);
    expect(pending.proposedDockerfile).toBe(`${pending.currentDockerfile}RUN echo built > /opt/marker\n`);
    await eventually(async () => expect(await rebuildTranscriptOf(identity)).toContain(`asked ${pending.id}`));
    const oldContainer = await containerIdOf(ctx, identity);
    const before = await readMetadata(identity);
    await new Promise((resolve) => setTimeout(resolve, 5));

    const { imageId } = await service(ctx).approve(identity, { requestId: pending.id, resume: true });

    const newContainer = await containerIdOf(ctx, identity);
    expect(newContainer).not.toBeNull();
    expect(newContainer).not.toBe(oldContainer);
    const container = await bottleContainer(identity);
    expect((await execIn(container, ['cat', '/opt/marker'])).output).toBe('built\n');
    await eventually(async () => {
      const transcript = await rebuildTranscriptOf(identity);
      expect(transcript).toContain('run 1 mode=start line A');
      expect(transcript).toContain('run 1 mode=start line B');
      expect(transcript).toContain(`run 1 asked ${pending.id}`);
      expect(transcript).toContain('run 2 mode=resume line A');
      expect(transcript).toContain('run 2 marker: built');
    });
    expect(await readPerBottleDockerfile(identity)).toBe(pending.proposedDockerfile);
    const image = await ctx.docker.getImage(perBottleImageTag(identity)).inspect();
    expect(image.Id).toBe(imageId);
    expect((await container.inspect()).Image).toBe(imageId);
    const after = await readMetadata(identity);
    expect(after).toEqual({ ...before, started_at: after?.started_at });
    expect(after?.started_at).not.toBe(before?.started_at);
    const history = await readHistory(identity);
    expect(history).toEqual([
      expect.objectContaining({ decision: 'approved', requestId: pending.id, imageId, diff: pending.diff, reason: pending.reason }),
    ]);
    expect(await rebuildViewFields(identity)).toMatchObject({ pendingRequest: null, warnings: [], historyCount: 1 });
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${pending.id}.response.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(response).toMatchObject({ version: 1, id: pending.id, status: 'approved' });
    expect(await readApprovalRecord(identity)).toBeNull();
  });

  it('copy mode: files the agent created in /workspace survive the rebuild; without resume it is ready to resume', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: true });
    await execIn(await bottleContainer(identity), ['sh', '-c', 'echo precious > /workspace/notes.txt']);
    await service(ctx).approve(identity, { requestId: pending.id, resume: false });
    expect(await containerIdOf(ctx, identity)).toBeNull();
    expect(await readFile(join(bottlePaths(identity).workspace, 'notes.txt'), 'utf8')).toBe('precious\n');
    expect(await readFile(join(bottlePaths(identity).transcript, 'log.txt'), 'utf8')).toContain('run 1 mode=start line B');

    await service(ctx)
      .approve(identity, { requestId: pending.id, resume: false })
      .then(
        () => expect.unreachable('a decided request cannot be approved twice'),
        (error: unknown) => expect(String(error)).toMatch(/no pending request/),
      );

    await service(ctx).resume(identity);
    const container = await bottleContainer(identity);
    await eventually(async () => expect(await rebuildTranscriptOf(identity)).toContain('run 2 marker: built'));
    const files = (await execIn(container, ['ls', '/workspace'])).output;
    expect(files).toContain('notes.txt');
    expect(files).toContain('agent-file-1.txt');
    expect(files).toContain('agent-file-2.txt');
    expect((await execIn(container, ['cat', '/workspace/notes.txt'])).output).toBe('precious\n');
  });

  it('a proposal that fails to build leaves the bottle running and shows the error; reject answers the agent', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false, run: 'echo about to fail && exit 3' });
    const oldContainer = await containerIdOf(ctx, identity);

    await expect(service(ctx).approve(identity, { requestId: pending.id, resume: true })).rejects.toBeInstanceOf(BuildFailedError);

    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
    const view = await rebuildViewFields(identity);
    expect(view.pendingRequest?.id).toBe(pending.id);
    expect(view.pendingRequest?.buildError).toMatch(/exit 3|returned a non-zero code: 3|exit code: 3/);
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['build-failed']);
    expect(await readApprovalRecord(identity)).toBeNull();

    await service(ctx).reject(identity, { requestId: pending.id, message: 'that command cannot work' });
    await eventually(async () =>
      expect(await rebuildTranscriptOf(identity)).toMatch(/answer: .*"status":"rejected".*that command cannot work/),
    );
    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect(await rebuildViewFields(identity)).toMatchObject({ pendingRequest: null, historyCount: 2 });
  });
});
