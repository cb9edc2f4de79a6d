import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { readHistory } from '../../src/core/rebuild/journal';
import { readAgentStatusRecord, statusReadCount } from '../../src/core/rebuild/agent-status';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { skipWithoutDocker } from '../helpers/docker-available';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { REPORT_LOG, writeReportAgent } from '../helpers/report-agent';
import { runCli } from '../helpers/run-cli';
import { service } from '../helpers/test-service';

const env = useBottleTestEnv();

async function agentLog(identity: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['cat', REPORT_LOG])).output;
}

async function questionsOf(identity: string): Promise<string[]> {
  const view = (await service().view(identity)) as BottleView;
  return view.permissionPending.map((question) => question.id);
}

describe.skipIf(skipWithoutDocker)("an agent's reports and permission questions on a real engine", () => {
  it('asks, is answered, withdraws, floods its status, writes bad files, and loses its questions when its container exits', async () => {
    const ctx = createCoreDeps();
    const project = env.project();
    const open = (gate: string): Promise<void> => writeFile(join(project, gate), '');
    await writeReportAgent('reporter');
    const { identity } = await service(ctx).start({ agent: 'reporter', cwd: project, copy: false });

    // The question shows on the view, with what it asks, and in `show`; the status line says so.
    await eventually(async () => expect(await questionsOf(identity)).toEqual(['perm-1-aa']));
    const view = (await service(ctx).view(identity)) as BottleView;
    expect(view.permissionPending[0]).toMatchObject({
      tool: 'Bash',
      detail: 'npm test',
      input: '{"command":"npm test"}',
      reason: 'to check the build',
    });
    expect(view.agentStatus).toMatchObject({ state: 'working', tool: 'Bash', detail: 'npm test' });
    expect(view.pendingRequest).toBeNull();
    const shown = await runCli(['show', identity]);
    expect(shown.stdout).toContain('perm-1-aa: Bash npm test');
    expect(shown.stdout).toContain(`claude-bottle answer ${identity} perm-1-aa allow|always|deny`);
    expect(shown.stdout).toContain('needs permission: Bash npm test');

    // Allow: the agent reads the response it waits on; answering again is refused and changes nothing.
    await service(ctx).answerPermission(identity, 'perm-1-aa', 'always', '');
    await eventually(async () =>
      expect(await agentLog(identity)).toContain(
        'answer perm-1-aa: {"version":1,"id":"perm-1-aa","status":"approved","message":"","remember":true}',
      ),
    );
    await expect(service(ctx).answerPermission(identity, 'perm-1-aa', 'deny', 'no')).rejects.toThrow(/already answered \(allowed by /);
    await expect(service(ctx).answerPermission(identity, 'perm-0-none', 'allow', '')).rejects.toThrow(
      /has no permission question "perm-0-none"/,
    );

    // Deny from the CLI: the message reaches the agent.
    await eventually(async () => expect(await questionsOf(identity)).toEqual(['perm-2-bb']));
    const denied = await runCli(['answer', identity, 'perm-2-bb', 'deny', '--message', 'not the build folder']);
    expect(denied.stderr + denied.stdout).toContain('denied perm-2-bb');
    expect(denied.code).toBe(0);
    await eventually(async () => expect(await agentLog(identity)).toContain('"status":"rejected","message":"not the build folder"'));
    const twice = await runCli(['answer', identity, 'perm-2-bb', 'allow']);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/already answered \(denied/);

    // Withdrawn: the agent deletes its request file, and the question leaves the view.
    await open('g-withdraw');
    await eventually(async () => expect(await questionsOf(identity)).toEqual(['perm-3-cc']));
    await open('g-delete');
    await eventually(async () => expect(await questionsOf(identity)).toEqual([]));
    const decisions = (await readHistory(identity)).map((entry) => `${entry.requestId} ${entry.decision}`);
    expect(decisions).toEqual(['perm-1-aa allowed', 'perm-2-bb denied', 'perm-3-cc withdrawn']);

    // A flood of status reports: a live watcher and a reader that asks twenty times a second. The
    // watcher's periodic rescan is put off, so only the file events of the hidden status file drive
    // it: the final report must come in through the throttle's trailing read (a throttle that
    // dropped reports within the interval loses it, and this test fails).
    const watcher = createInboxWatcher(() => undefined, { rescanMs: 600_000 });
    let reading = true;
    const reader = (async (): Promise<void> => {
      while (reading) {
        await service(ctx).view(identity);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const before = statusReadCount(identity);
      const started = Date.now();
      await open('g-flood');
      await eventually(async () => expect(await agentLog(identity)).toMatch(/flood \d+/), 20_000);
      const seconds = (Date.now() - started) / 1000;
      reading = false;
      await reader;
      // The last report is taken in by the watcher's trailing read alone (nothing reads the view now).
      await eventually(
        async () => expect((await readAgentStatusRecord(identity))?.status).toMatchObject({ state: 'waiting', lastMessage: 'all done' }),
        3000,
      );
      const writes = Number(/flood (\d+)/.exec(await agentLog(identity))?.[1]);
      const reads = statusReadCount(identity) - before;
      expect(writes).toBeGreaterThan(100);
      expect(reads).toBeGreaterThan(2);
      expect(reads).toBeLessThanOrEqual(Math.ceil(4 * seconds) + 2);
    } finally {
      reading = false;
      watcher.close();
    }
    const waiting = (await service(ctx).view(identity)) as BottleView;
    expect(waiting.agentStatus).toMatchObject({ state: 'waiting', lastMessage: 'all done' });
    const listed = await runCli(['ls']);
    expect(listed.stdout).toContain('waiting for you');

    // Bad files: one warning each, the last good status kept, no question held.
    await open('g-bad');
    await eventually(async () => expect(await agentLog(identity)).toContain('bad written'));
    const bad = await eventually(async () => {
      const seen = (await service(ctx).view(identity)) as BottleView;
      expect(seen.warnings.map((warning) => warning.file).sort()).toEqual(['.agent-status', 'perm-9-zz.json']);
      return seen;
    });
    expect(bad.warnings.find((warning) => warning.file === '.agent-status')?.message).toBe(
      'invalid status field "state": Invalid option: expected one of "working"|"permission"|"waiting"|"finished"|"exited"',
    );
    expect(bad.warnings.find((warning) => warning.file === 'perm-9-zz.json')?.message).toContain('"detail": must be one line');
    expect(bad.agentStatus).toMatchObject({ state: 'waiting', lastMessage: 'all done', since: waiting.agentStatus?.since });
    expect(bad.permissionPending).toEqual([]);
    expect(((await service(ctx).view(identity)) as BottleView).warnings).toHaveLength(2);

    // Its container exits (the agent crashed, or was killed): nobody waits for the answer, so the
    // question is dropped and journaled withdrawn, and can no longer be answered.
    await open('g-last');
    await eventually(async () => expect(await questionsOf(identity)).toEqual(['perm-4-dd']));
    await (await bottleContainer(identity)).kill();
    const exited = await eventually(async () => {
      const seen = (await service(ctx).view(identity)) as BottleView;
      expect(seen.status).toBe('exited');
      return seen;
    });
    expect(exited.permissionPending).toEqual([]);
    expect((await readHistory(identity)).at(-1)).toMatchObject({ requestId: 'perm-4-dd', decision: 'withdrawn' });
    await expect(service(ctx).answerPermission(identity, 'perm-4-dd', 'allow', '')).rejects.toThrow(
      /was withdrawn: the container is not running/,
    );
  }, 180_000);

  it('stop drops the questions its agent was asking, journaled withdrawn, before any read of the view', async () => {
    const ctx = createCoreDeps();
    await writeReportAgent('reporter');
    const { identity } = await service(ctx).start({ agent: 'reporter', cwd: env.project(), copy: false });
    await eventually(async () => expect(await questionsOf(identity)).toEqual(['perm-1-aa']));
    await service(ctx).stop(identity);
    expect((await readHistory(identity)).map((entry) => `${entry.requestId} ${entry.decision}`)).toEqual(['perm-1-aa withdrawn']);
    expect(((await service(ctx).view(identity)) as BottleView).permissionPending).toEqual([]);
  }, 120_000);
});
