import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { readHistory } from '../../src/core/rebuild/journal';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { containerIdOf, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { runCli } from '../helpers/run-cli';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello\n');
});

describe.skipIf(skipWithoutDocker)('claude-bottle approve --dockerfile FILE', () => {
  it('builds the file instead of the proposal and tells the agent; a file over the cap is refused and changes nothing', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    const oldContainer = await containerIdOf(ctx, identity);

    const huge = join(project, 'huge.Dockerfile');
    await writeFile(huge, `${pending.proposedDockerfile}${'#'.repeat(70 * 1024)}\n`);
    const refused = await runCli(['approve', identity, '--dockerfile', huge, '--yes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/is larger than 65536 bytes/)]);
    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe(pending.id);

    const file = join(project, 'edited.Dockerfile');
    const edited = pending.proposedDockerfile.replace('RUN echo built > /opt/marker', 'RUN echo from-the-cli > /opt/marker');
    await writeFile(file, edited);
    const approved = await runCli(['approve', identity, '--dockerfile', file, '--resume', '--yes']);
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`approved with your edits ${pending.id} for ${identity}`);

    expect((await execIn(await bottleContainer(identity), ['cat', '/opt/marker'])).output).toBe('from-the-cli\n');
    expect(await readPerBottleDockerfile(identity)).toBe(edited);
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${pending.id}.response.json`), 'utf8')) as {
      message: string;
    };
    expect(response.message).toContain('+RUN echo from-the-cli > /opt/marker');
    const [entry] = await readHistory(identity);
    expect(entry?.edit).toMatchObject({ proposed: pending.proposedDockerfile, approved: edited });
  });
});
