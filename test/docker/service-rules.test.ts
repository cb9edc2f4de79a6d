import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleDetail, BottleView } from '../../src/shared/bottle-view';
import { loadBottle } from '../../src/core/deps/loaded-bottle';
import { ActivityConflictError } from '../../src/core/base/activity-tracker';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { rebuildTranscriptOf, startAndAwaitRequest, writeRebuildAgent } from '../helpers/rebuild-agent';
import { runCli } from '../helpers/run-cli';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();
let project = '';
beforeEach(() => {
  project = env.project();
});

describe.skipIf(skipWithoutDocker)('one core behind every front door', () => {
  it('with no app running, the first ls after an agent asks shows the bottle awaiting approval, with reason and diff; show prints both', async () => {
    await writeRebuildAgent('rebuilder', undefined, { gate: 'go' });
    const started = await runCli(['start', 'rebuilder', '--cwd', project, '--detach', '--json']);
    expect(started.code).toBe(0);
    const identity = (JSON.parse(started.stdout) as BottleView).identity;
    // Only now may the agent ask: the start command's own last read has been and gone.
    await writeFile(join(project, 'go'), '');
    // The agent has written its request once its transcript says so; nothing has processed it.
    const id = await eventually(async () => {
      const asked = /run 1 asked (\S+)/.exec(await rebuildTranscriptOf(identity))?.[1];
      if (asked === undefined) throw new Error('the agent has not asked yet');
      return asked;
    });
    expect(existsSync(join(bottlePaths(identity).inbox, `${id}.json`))).toBe(true);
    expect(existsSync(join(bottlePaths(identity).dir, 'rebuild', 'pending', `${id}.json`))).toBe(false);

    // The very next read tells the truth: no app, no watcher, no waiting.
    const listed = JSON.parse((await runCli(['ls', '--json'])).stdout) as (BottleView & { displayStatus: string })[];
    const mine = listed.find((view) => view.identity === identity);
    expect(mine?.displayStatus).toBe('awaiting-approval');
    // A listing carries the summary only; show prints the request in full.
    expect(mine?.pendingRequest).toEqual({ id, reason: 'need a marker file', createdAt: expect.any(String), buildError: null });
    expect(mine?.pendingCount).toBe(1);

    const shown = await runCli(['show', identity]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status:\s+awaiting-approval/);
    expect(shown.stdout).toContain('reason: need a marker file');
    expect(shown.stdout).toContain('+RUN echo built > /opt/marker');
    expect(shown.stdout).toMatch(/engine:\s+default \(unix:\/\//);
    const detail = JSON.parse((await runCli(['show', identity, '--json'])).stdout) as BottleDetail;
    expect(detail.pendingRequests.map((request) => request.id)).toEqual([id]);
    expect(detail.pendingRequests[0]?.diff).toContain('+RUN echo built > /opt/marker');
    expect(detail.actions.map((state) => state.action)).toEqual([
      'open-terminal',
      'open-logs',
      'stop',
      'approve',
      'reject',
      'changes',
      // Mount mode has checkpoints too (issue 24): the folder against its start; restore waits for a stop;
      // fork makes copy-mode bottles of the folder as it was at a checkpoint.
      'checkpoint',
      'restore',
      'fork',
      'copy-resume-command',
      'remove',
    ]);
    expect(detail.actions.find((state) => state.action === 'restore')?.enabled).toBe(false);
    expect(detail.historyCount).toBe(0);

    const unknown = await runCli(['show', 'nobody-zzzzz']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^claude-bottle: no bottle nobody-zzzzz \(no container, no state under /),
    ]);
  });

  it('approve & resume loads its bottle once and holds the lock throughout: nothing acts on the bottle in between', async () => {
    const ctx = createCoreDeps();
    const { identity, pending } = await startAndAwaitRequest(ctx, { cwd: project, copy: false });
    let loads = 0;
    ctx.loadBottle = async (id) => {
      // The gateway's tables (issue 19: on by default) read every bottle of the engine after each
      // change, on a timer of their own: not the approval's reads, which this counts.
      if (new Error().stack?.includes('GatewayService.') !== true) loads += 1;
      return loadBottle(id);
    };
    const bottles = service(ctx);
    const refused: unknown[] = [];
    const phases: string[] = [];
    ctx.activity.subscribe((id, activity) => {
      if (id !== identity || activity === null || phases[phases.length - 1] === activity.kind) return;
      phases.push(activity.kind);
      // Whatever phase the approval is in, a stop or a remove from this process must wait.
      refused.push(bottles.stop(identity).catch((error: unknown) => error));
      refused.push(bottles.remove(identity, { keepState: true }).catch((error: unknown) => error));
    });
    const result = await bottles.approve(identity, { requestId: pending.id, resume: true });
    expect(result).toMatchObject({ requestId: pending.id, resumed: true });
    expect(phases).toEqual(['approving', 'resuming']);
    for (const outcome of await Promise.all(refused)) expect(outcome).toBeInstanceOf(ActivityConflictError);
    expect(loads).toBe(1);
    await eventually(async () => expect(await rebuildTranscriptOf(identity)).toContain('run 2 marker: built'));
  });
});
