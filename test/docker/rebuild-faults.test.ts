import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PendingRequestView } from '../../src/shared/bottle-view';
import { createCoreDeps, type CoreDeps } from '../../src/core/deps/core-deps';
import { readPerBottleDockerfile } from '../../src/core/state/per-bottle-dockerfile';
import { readApprovalRecord } from '../../src/core/rebuild/approval-record';
import { readHistory } from '../../src/core/rebuild/journal';
import { recoverInterruptedApprovals } from '../../src/core/rebuild/recovery';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { containerIdOf, rebuildTranscriptOf, REBUILD_TRANSCRIPT, startAndAwaitRequest } from '../helpers/rebuild-agent';
import { runCli, type CliResult } from '../helpers/run-cli';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeFile(join(project, 'README.md'), 'hello\n');
});

/** The real CLI bundle (built by the global setup), as an operator's shell would drive it. */
function cli(args: string[], fault?: string): Promise<CliResult> {
  return runCli(args, { CLAUDE_BOTTLE_HOME: env.home(), CLAUDE_BOTTLE_FAULT: fault ?? '' });
}

/** The rebuild agent in copy mode, its request pending, and something precious in /workspace. */
async function startWithPrecious(ctx: CoreDeps): Promise<{ identity: string; pending: PendingRequestView }> {
  const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: true });
  await eventually(async () => expect(await rebuildTranscriptOf(identity)).toContain(`asked ${pending.id}`));
  await execIn(await bottleContainer(identity), ['sh', '-c', 'echo precious > /workspace/notes.txt']);
  return { identity, pending };
}

async function expectRebuiltWithEverything(identity: string, extraLines: string[] = []): Promise<void> {
  const container = await bottleContainer(identity);
  expect((await execIn(container, ['cat', '/opt/marker'])).output).toBe('built\n');
  await eventually(async () => {
    const transcript = await rebuildTranscriptOf(identity);
    for (const line of [
      'run 1 mode=start line A',
      'run 1 mode=start line B',
      'run 1 asked',
      'run 2 mode=resume line A',
      'run 2 marker: built',
      ...extraLines,
    ]) {
      expect(transcript).toContain(line);
    }
  });
  expect((await execIn(container, ['cat', '/workspace/notes.txt'])).output).toBe('precious\n');
}

describe.skipIf(skipWithoutDocker)('approve killed with SIGKILL at each step (CLI, injected fault points)', () => {
  it.each(['after-build', 'after-snapshot'])('%s: the old bottle is intact; approving again after the restart works', async (fault) => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startWithPrecious(ctx);
    const oldContainer = await containerIdOf(ctx, identity);

    const killed = await cli(['approve', identity, '--yes'], fault);
    expect(killed.signal).toBe('SIGKILL');

    // Killed mid-way: nothing the bottle runs from changed, the request is still pending.
    expect(await readApprovalRecord(identity)).toMatchObject({ step: fault === 'after-build' ? 'built' : 'snapshotted' });
    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
    expect(await readPerBottleDockerfile(identity)).toBeNull();
    expect((await rebuildViewFields(identity)).pendingRequest?.id).toBe(pending.id);
    expect(await readHistory(identity)).toEqual([]);

    // Restart: the CLI recovers the interrupted approval first, then approves for real.
    const again = await cli(['approve', identity, '--resume', '--yes']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`approved ${pending.id} for ${identity}`);
    expect(await readApprovalRecord(identity)).toBeNull();
    expect(await readPerBottleDockerfile(identity)).toBe(pending.proposedDockerfile);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['approved']);
    await expectRebuiltWithEverything(identity);
  });

  it('after-commit: Dockerfile, journal and answer are in place; recovery finishes the teardown and loses no line', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startWithPrecious(ctx);
    const oldContainer = await containerIdOf(ctx, identity);

    const killed = await cli(['approve', identity, '--request', pending.id, '--yes'], 'after-commit');
    expect(killed.signal).toBe('SIGKILL');

    expect(await readApprovalRecord(identity)).toMatchObject({ step: 'committed', requestId: pending.id });
    expect(await readPerBottleDockerfile(identity)).toBe(pending.proposedDockerfile);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['approved']);
    const response = JSON.parse(await readFile(join(bottlePaths(identity).inbox, `${pending.id}.response.json`), 'utf8')) as {
      status: string;
    };
    expect(response.status).toBe('approved');
    expect((await rebuildViewFields(identity)).pendingRequest).toBeNull();
    // The old container still runs, and the agent writes more after reading the answer.
    expect(await containerIdOf(ctx, identity)).toBe(oldContainer);
    await eventually(async () => expect(await rebuildTranscriptOf(identity)).toMatch(/run 1 answer: .*"status":"approved"/));
    await execIn(await bottleContainer(identity), ['sh', '-c', `echo "written after the kill" >> ${REBUILD_TRANSCRIPT}`]);

    // Restart (what the app, serve and CLI approve do first).
    expect(await recoverInterruptedApprovals(ctx)).toEqual([]);
    expect(await readApprovalRecord(identity)).toBeNull();
    expect(await containerIdOf(ctx, identity)).toBeNull();
    expect(await readFile(join(bottlePaths(identity).transcript, 'log.txt'), 'utf8')).toContain('written after the kill');

    await service(ctx).resume(identity);
    await expectRebuiltWithEverything(identity, ['run 1 answer:', 'written after the kill']);
    expect((await readHistory(identity)).map((entry) => entry.decision)).toEqual(['approved']);
  });
});
