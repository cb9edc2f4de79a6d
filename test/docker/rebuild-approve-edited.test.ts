import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { readApprovalRecord } from '../../src/core/rebuild/approval-record';
import { readHistory } from '../../src/core/rebuild/journal';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { containerIdOf, rebuildTranscriptOf, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello\n');
});

describe.skipIf(skipWithoutDocker)('Approve with edits on a real engine', () => {
  it('builds exactly the edited Dockerfile, tells the agent what changed, and the history keeps both versions', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    await eventually(async () => expect(await rebuildTranscriptOf(identity)).toContain(`asked ${pending.id}`));
    const edited = pending.proposedDockerfile.replace('RUN echo built > /opt/marker', 'RUN echo edited-by-operator > /opt/marker');
    expect(edited).not.toBe(pending.proposedDockerfile);

    const { imageId } = await service(ctx).approve(identity, {
      requestId: pending.id,
      resume: true,
      proposalHash: pending.proposalHash,
      dockerfile: edited,
    });

    // The rebuilt bottle runs the operator's line, not the agent's.
    const container = await bottleContainer(identity);
    expect((await execIn(container, ['cat', '/opt/marker'])).output).toBe('edited-by-operator\n');
    expect((await container.inspect()).Image).toBe(imageId);
    expect(await readPerBottleDockerfile(identity)).toBe(edited);

    // The agent's answer carries the diff proposed → approved.
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${pending.id}.response.json`), 'utf8')) as {
      status: string;
      message: string;
    };
    expect(response.status).toBe('approved');
    expect(response.message).toMatch(/^Approved with edits/);
    expect(response.message).toContain('--- Dockerfile\tproposed');
    expect(response.message).toContain('+++ Dockerfile\tapproved');
    expect(response.message).toContain('\n-RUN echo built > /opt/marker\n');
    expect(response.message).toContain('\n+RUN echo edited-by-operator > /opt/marker\n');

    // History: both versions, and the diff of what was built.
    const [entry] = await readHistory(identity);
    expect(entry).toMatchObject({ decision: 'approved', requestId: pending.id, imageId });
    expect(entry?.edit?.proposed).toBe(pending.proposedDockerfile);
    expect(entry?.edit?.approved).toBe(edited);
    expect(entry?.edit?.diff).toContain('+RUN echo edited-by-operator > /opt/marker');
    expect(entry?.diff).toContain('+RUN echo edited-by-operator > /opt/marker');
    expect(entry?.diff).not.toContain('echo built');
    expect(await readApprovalRecord(identity)).toBeNull();
  });

  it('an edit that makes the image run the agent as root is refused by the image-user check; nothing changes', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    const oldContainer = await containerIdOf(ctx, identity);
    // Root under another name: the edit gives the agent's user uid 0 in the image's passwd.
    const edited = `${pending.proposedDockerfile}RUN sed -i -e 's/^agent:x:[0-9]*:/agent:x:0:/' /etc/passwd\n`;

    await expect(
      service(ctx).approve(identity, { requestId: pending.id, resume: false, proposalHash: pending.proposalHash, dockerfile: edited }),
    ).rejects.toThrow(/runs the agent as root/);

    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe(pending.id);
    expect(await readApprovalRecord(identity)).toBeNull();
  });

  it('an edited Dockerfile with a NUL, or too large, is refused with one line and changes nothing', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    const oldContainer = await containerIdOf(ctx, identity);
    for (const [dockerfile, why] of [
      [`${pending.proposedDockerfile}RUN true\u0000\n`, /contains a NUL character/],
      [`${pending.proposedDockerfile}${'#'.repeat(64 * 1024)}\n`, /larger than 65536 bytes/],
      ['\n \n', /is empty/],
    ] as const) {
      await expect(service(ctx).approve(identity, { requestId: pending.id, resume: false, dockerfile })).rejects.toThrow(why);
    }
    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    expect(await readHistory(identity)).toEqual([]);
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe(pending.id);
  });
});
