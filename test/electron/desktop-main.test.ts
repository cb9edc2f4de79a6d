import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { AgentSummary, BottleView, JournalEntry, PendingRequestView, ProjectAgentReview } from '../../src/shared/bottle-view';
import type { ChangeSet, FileDetail } from '../../src/shared/changes';
import type { CheckpointList, CheckpointView } from '../../src/shared/checkpoints';
import type { CredentialStatus } from '../../src/shared/credentials-view';
import { IPC_CHANNEL_NAMES, type IpcChannel } from '../../src/shared/ipc-contract';
import type { TimelineEvent } from '../../src/shared/timeline';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { writeRebuildAgent } from '../helpers/rebuild-agent';
import { writeTestAgent } from '../helpers/test-agents';
import { BUILT_RENDERER, MainHarness, type MainState } from './main-harness';

const env = useBottleTestEnv();
let harness: MainHarness | null = null;

afterEach(async () => {
  await harness?.stop();
  harness = null;
});

async function openApp(): Promise<MainHarness> {
  harness = await MainHarness.start({ CLAUDE_BOTTLE_HOME: env.home() });
  return harness;
}

function viewIn(events: AppEvent[], identity: string): BottleView | undefined {
  const views = events.filter(
    (event): event is Extract<AppEvent, { type: 'bottle-changed' }> =>
      event.type === 'bottle-changed' && event.bottle.identity === identity,
  );
  return views[views.length - 1]?.bottle;
}

/** Waits until the pushed events show the bottle in the given shape. */
async function pushedView(app: MainHarness, identity: string, check: (view: BottleView) => boolean): Promise<BottleView> {
  return eventually(async () => {
    const view = viewIn(await app.events(), identity);
    if (view === undefined || !check(view))
      throw new Error(`no pushed view of ${identity} matching yet (last: ${JSON.stringify(view?.status)})`);
    return view;
  }, 30_000);
}

describe('the Electron main process, built, with a stand-in electron module', () => {
  it('opens one sandboxed window on the built renderer, binds every channel, and locks the window down', async () => {
    const app = await openApp();
    const state: MainState = await app.state();
    expect(state.windows).toBe(1);
    expect(state.windowOptions.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    });
    expect(String(state.windowOptions.webPreferences.preload)).toMatch(/out\/preload\/index\.cjs$/);
    expect(state.loaded).toEqual({ kind: 'file', path: BUILT_RENDERER });
    expect(state.channels).toEqual([...IPC_CHANNEL_NAMES].sort());
    expect(state.webContentsCreated).toBe(1);

    // No navigation away from the app, no new windows (https opens in the system browser), no
    // permissions, no <webview>.
    expect(await app.call('navigate', { url: 'https://attacker.example/' })).toBe(true);
    expect(await app.call('navigate', { url: 'file:///etc/passwd' })).toBe(true);
    expect(await app.call('navigate', { url: 'https://attacker.example/', event: 'will-redirect' })).toBe(true);
    expect(await app.call('navigate', { url: pathToFileURL(BUILT_RENDERER).href })).toBe(false);
    expect(await app.call('windowOpen', { url: 'https://docs.example/' })).toEqual({ action: 'deny' });
    expect(await app.call('windowOpen', { url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect((await app.state()).openedExternal).toEqual(['https://docs.example/']);
    expect(await app.call('permission', { permission: 'media' })).toEqual({ granted: false, check: false });
    expect(await app.call('attachWebview')).toBe(true);
  });

  it('refuses IPC from any frame but the window’s own page, and bad arguments before any handler runs', async () => {
    const app = await openApp();
    for (const sender of ['foreign-url', 'subframe', 'other-contents', 'no-frame'] as const) {
      expect(await app.invoke('bottles:list', [], sender)).toEqual({
        ok: false,
        error: { code: 'forbidden', message: 'IPC from an untrusted frame was refused' },
      });
    }
    // A foreign frame cannot start anything either, however good its arguments.
    expect(await app.invoke('bottle:start', [{ agent: 'scripted', cwd: env.project(), copy: false }], 'foreign-url')).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await app.invoke('bottle:stop', ['../etc'])).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.invoke('bottle:approve', ['dev-abcde', { requestId: '..', resume: true }])).toMatchObject({
      ok: false,
      error: { code: 'invalid-argument' },
    });
    // Good arguments from the window's own page go through (the engine may hold others' bottles).
    expect(await app.invoke('bottles:list', [])).toMatchObject({ ok: true, data: expect.any(Array) });
  });

  it.skipIf(skipWithoutDocker)(
    'drives every channel against the real core and engine; a waiting request raises one notification',
    async () => {
      await writeRebuildAgent('rebuilder');
      const app = await openApp();
      const exercised = new Set<string>();
      const call = async <T>(channel: IpcChannel, args: unknown[]): Promise<T> => {
        exercised.add(channel);
        return app.ok<T>(channel, args);
      };

      // The folder dialog's answer is what the start panel then starts.
      await app.call('setDialog', { result: { canceled: false, filePaths: [env.project()] } });
      const folder = await call<string | null>('dialog:choose-folder', []);
      expect(folder).toBe(env.project());
      expect((await app.state()).dialogCalls).toBe(1);
      expect((await call<{ name: string }[]>('agents:list', [{ cwd: folder }])).map((agent) => agent.name)).toContain('rebuilder');
      // A project's own agent is listed apart and untrusted; the Trust step reviews it, then trusts exactly that.
      await writeTestAgent({ name: 'local', agentsDir: join(env.project(), '.claude-bottle', 'agents') });
      const projectAgent = async (): Promise<AgentSummary | undefined> =>
        (await call<AgentSummary[]>('agents:list', [{ cwd: folder }])).find((agent) => agent.name === 'project:local');
      expect(await projectAgent()).toMatchObject({ source: 'project', trust: 'untrusted' });
      const review = await call<ProjectAgentReview>('agents:review', [{ cwd: folder, name: 'project:local' }]);
      expect(review.dockerfile).toContain('COPY agent.sh /usr/bin/agent.sh');
      expect(await app.invoke('bottle:start', [{ agent: 'project:local', cwd: folder, copy: false }])).toMatchObject({
        ok: false,
        error: { code: 'forbidden', message: expect.stringMatching(/is not trusted/) },
      });
      expect(await call('agents:trust', [{ cwd: folder, name: 'project:local', contextHash: review.contextHash }])).toBeNull();
      expect((await projectAgent())?.trust).toBe('trusted');
      await eventually(async () => expect((await call<{ state: string }>('engine:status', [])).state).toBe('connected'), 20_000);
      expect((await call<{ name: string; current: boolean }[]>('engines:list', [])).find((engine) => engine.current)?.name).toBe('default');
      const { identity } = await call<{ identity: string }>('bottle:start', [{ agent: 'rebuilder', cwd: folder, copy: false }]);

      // The agent asks for a capability: the window is told, and the desktop notifies once.
      const first = (await pushedView(app, identity, (view) => view.pendingRequest !== null)).pendingRequest;
      // Views carry a summary; the approval panel reads the request in full.
      const full = await call<PendingRequestView>('bottle:request', [identity, first?.id]);
      expect(full).toMatchObject({ id: first?.id, reason: 'need a marker file', risks: [] });
      expect(full.diff).toContain('+RUN echo built > /opt/marker');
      const listed = await call<BottleView[]>('bottles:list', []);
      expect(listed.find((view) => view.identity === identity)?.pendingRequest?.id).toBe(first?.id);
      // Other test files' containers may show as orphans on the shared engine: the newest is ours.
      const newest = await call<{ bottles: BottleView[]; total: number }>('bottles:newest', [1]);
      expect(newest.bottles.map((view) => view.identity)).toEqual([identity]);
      expect(newest.total).toBeGreaterThanOrEqual(1);
      await eventually(async () =>
        expect((await app.state()).notifications).toEqual([{ title: `${identity} needs approval`, body: 'need a marker file' }]),
      );
      await call('bottle:reject', [identity, { requestId: first?.id, message: 'not this one' }]);
      await pushedView(app, identity, (view) => view.pendingRequest === null);
      expect((await call<JournalEntry[]>('bottle:history', [identity])).map((entry) => entry.decision)).toEqual(['rejected']);
      // The timeline holds the same decision after the start and the request; its export is the same events as JSON Lines.
      const timeline = await call<TimelineEvent[]>('bottle:timeline', [identity]);
      expect(timeline.map((event) => event.kind)).toEqual(['start', 'request', 'decision']);
      expect(timeline[2]).toMatchObject({ decision: 'rejected', request: { type: 'dockerfile', id: first?.id } });
      const exported = await call<string>('bottle:timeline-export', [identity]);
      expect(
        exported
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as TimelineEvent),
      ).toEqual(timeline);

      // A second request from the same bottle is a new one: announced again, once.
      await execIn(await bottleContainer(identity), [
        'sh',
        '-c',
        "capability-block --reason 'second try' --run 'echo built > /opt/marker'",
      ]);
      const second = (await pushedView(app, identity, (view) => view.pendingRequest !== null && view.pendingRequest.id !== first?.id))
        .pendingRequest;
      await eventually(async () =>
        expect((await app.state()).notifications.map((n) => n.body)).toEqual(['need a marker file', 'second try']),
      );
      // The dock / taskbar badge counts the requests waiting (one here).
      expect((await app.state()).badgeCount).toBe(1);
      // Clicking it brings the window forward and tells the page to open that bottle's approval panel.
      const before = (await app.state()).focusCalls;
      await app.call('clickNotification', { index: 1 });
      expect((await app.state()).focusCalls).toBe(before + 1);
      expect(await app.events()).toContainEqual({ type: 'open-approval', identity });

      const reviewed = await call<PendingRequestView>('bottle:request', [identity, second?.id]);
      const { imageId } = await call<{ imageId: string }>('bottle:approve', [
        identity,
        { requestId: second?.id, resume: true, proposalHash: reviewed.proposalHash },
      ]);
      expect(imageId).toMatch(/^sha256:/);
      await pushedView(app, identity, (view) => view.status === 'running' && view.pendingRequest === null && view.activity === null);
      expect((await bottleContainer(identity).then((container) => execIn(container, ['cat', '/opt/marker']))).output).toBe('built\n');
      expect((await app.state()).notifications).toHaveLength(2);
      expect((await app.state()).badgeCount).toBe(0);

      // A terminal on the bottle's TTY: input echoes back as pushed output.
      const { sessionId } = await call<{ sessionId: string }>('terminal:open', [{ identity, cols: 80, rows: 24 }]);
      await call('terminal:resize', [sessionId, 100, 30]);
      await call('terminal:input', [sessionId, 'typed-through-the-desktop\n']);
      await eventually(async () => {
        const output = (await app.events())
          .filter((event) => event.type === 'terminal-data' && event.sessionId === sessionId)
          .map((event) => (event as { data: string }).data)
          .join('');
        expect(output).toContain('typed-through-the-desktop');
      });
      await call('terminal:close', [sessionId]);

      // The cockpit: a shell, the logs, live stats and what the bottle is built from.
      const shell = await call<{ sessionId: string }>('shell:open', [{ identity, cols: 80, rows: 24 }]);
      await call('terminal:input', [shell.sessionId, 'echo shell-$((5*5))\n']);
      await eventually(async () => {
        const output = (await app.events())
          .filter((event) => event.type === 'terminal-data' && event.sessionId === shell.sessionId)
          .map((event) => (event as { data: string }).data)
          .join('');
        expect(output).toContain('shell-25');
      });
      await call('terminal:close', [shell.sessionId]);
      const { streamId } = await call<{ streamId: string }>('logs:open', [{ identity, tail: 100, follow: false }]);
      await eventually(async () =>
        expect((await app.events()).some((event) => event.type === 'log-end' && event.streamId === streamId)).toBe(true),
      );
      expect(
        (await app.events())
          .filter((event) => event.type === 'log-data' && event.streamId === streamId)
          .map((event) => (event as { data: string }).data)
          .join(''),
      ).toContain('typed-through-the-desktop');
      const following = await call<{ streamId: string }>('logs:open', [{ identity, tail: 10, follow: true }]);
      await call('logs:close', [following.streamId]);
      const watch = await call<{ subscriptionId: string }>('stats:watch', [{ subscriptionId: null, identities: [identity] }]);
      await eventually(
        async () =>
          expect(
            (await app.events()).some((event) => event.type === 'stats' && event.samples.some((sample) => sample.identity === identity)),
          ).toBe(true),
        20_000,
      );
      await call('stats:unwatch', [watch.subscriptionId]);
      expect((await call<{ container: { user: string } | null }>('bottle:inspect', [identity])).container?.user).toMatch(/^\d+:\d+$/);
      // A page that reloads leaves nothing open behind it.
      const left = await app.ok<{ subscriptionId: string }>('stats:watch', [{ subscriptionId: null, identities: [identity] }]);
      await app.call('navigate', { url: pathToFileURL(BUILT_RENDERER).href, event: 'did-navigate' });
      await eventually(async () =>
        expect(await app.invoke('stats:watch', [{ subscriptionId: left.subscriptionId, identities: [] }])).toMatchObject({
          ok: false,
          error: { code: 'not-found' },
        }),
      );

      // A failed operation stays on the bottle until dismissed.
      expect(await app.invoke('bottle:resume', [identity])).toMatchObject({ ok: false, error: { code: 'conflict' } });
      expect((await pushedView(app, identity, (view) => view.activity?.error != null)).activity?.error).toMatch(/already running/);
      await call('bottle:dismiss-error', [identity]);
      await pushedView(app, identity, (view) => view.activity === null);

      // Changes: the agent's files since the start, watched live, one file whole; in mount mode
      // apply has nothing to do and a folder outside git has no branch to export to.
      const changes = await call<ChangeSet>('changes:watch', [identity, { since: 'start' }]);
      expect(changes).toMatchObject({ identity, mode: 'mount', source: 'folder' });
      expect(changes.files.map((file) => [file.status, file.path])).toEqual([
        ['added', 'agent-file-1.txt'],
        ['added', 'agent-file-2.txt'],
      ]);
      await writeFile(join(env.project(), 'agent-file-2.txt'), 'file by run 2\nand more\n');
      await eventually(
        async () =>
          expect(
            (await app.events()).some(
              (event) => event.type === 'changes-updated' && event.identity === identity && event.revision > changes.revision,
            ),
          ).toBe(true),
        30_000,
      );
      const detail = await call<FileDetail>('changes:file', [identity, { path: 'agent-file-2.txt', view: 'diff' }]);
      expect(detail.text).toContain('+and more');
      // A mount-mode bottle's work is already in the project folder: a remove loses none.
      expect(await call<null>('changes:unapplied', [identity])).toBeNull();
      exercised.add('changes:apply');
      expect(await app.invoke('changes:apply', [identity, { dryRun: true, sidecars: true }])).toMatchObject({
        ok: false,
        error: { code: 'unsupported' },
      });
      exercised.add('changes:discard');
      expect(await app.invoke('changes:discard', [identity, { path: 'agent-file-2.txt' }])).toMatchObject({
        ok: false,
        error: { code: 'unsupported', message: expect.stringContaining('mount mode') },
      });
      expect(await app.invoke('changes:discard', [identity, { path: '../outside' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      exercised.add('changes:merge');
      expect(await app.invoke('changes:merge', [identity, { path: 'agent-file-2.txt' }])).toMatchObject({
        ok: false,
        error: { code: 'unsupported', message: expect.stringContaining('mount mode') },
      });
      exercised.add('changes:compare');
      expect(await app.invoke('changes:compare', [identity, { against: identity }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument', message: expect.stringContaining('with itself') },
      });
      expect(await app.invoke('changes:compare', [identity, { against: '../etc' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      exercised.add('bottle:checkpoint');
      // A mount-mode bottle's checkpoint: its project folder against its start (issue 24).
      expect(await call<CheckpointView>('bottle:checkpoint', [identity, { name: 'before' }])).toMatchObject({
        identity,
        name: 'before',
        mode: 'mount',
      });
      expect(await app.invoke('bottle:checkpoint', [identity, { name: 'bad\u0007name' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      // Listed; drop finds no other; restore waits for a stop.
      expect(await call<CheckpointList>('bottle:checkpoints', [identity])).toMatchObject({
        identity,
        checkpoints: [{ name: 'before', mode: 'mount' }],
      });
      exercised.add('bottle:checkpoint-drop');
      expect(await app.invoke('bottle:checkpoint-drop', [identity, { checkpoint: '20260101-000000-abcde' }])).toMatchObject({
        ok: false,
        error: { code: 'not-found' },
      });
      // A name is matched against the manifests' names, never made into a path.
      expect(await app.invoke('bottle:checkpoint-drop', [identity, { checkpoint: '../../etc' }])).toMatchObject({
        ok: false,
        error: { code: 'not-found' },
      });
      expect(await app.invoke('bottle:checkpoint-drop', [identity, { checkpoint: '' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      exercised.add('bottle:restore');
      expect(await app.invoke('bottle:restore', [identity, { checkpoint: 'before' }])).toMatchObject({
        ok: false,
        error: { code: 'conflict', message: expect.stringContaining('stop it first') },
      });
      expect(await app.invoke('bottle:restore', [identity, { checkpoint: 'bad\u0007name' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      exercised.add('bottle:fork');
      // A mount-mode bottle forks too (into copies); from a checkpoint it does not have, nothing is made.
      expect(await app.invoke('bottle:fork', [identity, { from: 'no-such-checkpoint', count: 2, name: 'kid' }])).toMatchObject({
        ok: false,
        error: { code: 'not-found', message: expect.stringContaining('has no checkpoint "no-such-checkpoint"') },
      });
      for (const bad of [{ count: 9 }, { count: 0 }, { name: '-x' }, { prompt: 'bell\u0007' }, { from: '' }, { extra: true }])
        expect(await app.invoke('bottle:fork', [identity, bad]), JSON.stringify(bad)).toMatchObject({
          ok: false,
          error: { code: 'invalid-argument' },
        });
      exercised.add('changes:resolve');
      expect(
        await app.invoke('changes:resolve', [identity, { path: 'agent-file-2.txt', take: 'host', hostOid: 'nope', agentOid: 'nope' }]),
      ).toMatchObject({ ok: false, error: { code: 'invalid-argument', message: expect.stringContaining('git blob id') } });
      exercised.add('changes:export');
      expect(await app.invoke('changes:export', [identity, { branch: 'agent-work' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument', message: expect.stringContaining('is not a git repository') },
      });
      expect(await app.invoke('changes:export', [identity, { branch: 'bad..name' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      expect(await app.invoke('changes:file', [identity, { path: '../../etc/passwd', view: 'content' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      await call('changes:unwatch', [identity]);

      // The sign-in flow (issue 20) runs a container of its own (test/docker/credentials-login.test.ts,
      // e2e/sign-in-flow.spec.ts); here its channel refuses a terminal size the contract does not allow.
      exercised.add('credentials:login');
      expect(await app.invoke('credentials:login', [{ cols: 0, rows: 24 }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });

      // Network (issue 19): no connection on record yet; an answer names a request the gateway holds.
      expect(await call('network:log', [{ identity, limit: 10 }])).toEqual({ entries: [], gatewayOn: expect.any(Boolean) as boolean });
      exercised.add('network:answer');
      expect(await app.invoke('network:answer', [{ identity, requestId: 'p-1', answer: 'once' }])).toMatchObject({
        ok: false,
        error: { code: 'not-found' },
      });
      expect(await app.invoke('network:answer', [{ identity, requestId: 'p-1', answer: 'forever' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });

      // Issue 21: a message typed into the agent's terminal (the Reply box), and a permission
      // question's answer, which names a question the agent asked.
      await call('bottle:send', [identity, 'sent-through-the-desktop']);
      const sent = await call<{ streamId: string }>('logs:open', [{ identity, tail: 100, follow: false }]);
      await eventually(async () =>
        expect((await app.events()).some((event) => event.type === 'log-end' && event.streamId === sent.streamId)).toBe(true),
      );
      expect(
        (await app.events())
          .filter((event) => event.type === 'log-data' && event.streamId === sent.streamId)
          .map((event) => (event as { data: string }).data)
          .join(''),
      ).toContain('sent-through-the-desktop');
      expect(await app.invoke('bottle:send', [identity, 'bell\u0007'])).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
      exercised.add('permission:answer');
      expect(await app.invoke('permission:answer', [{ identity, requestId: 'perm-1-00', answer: 'allow' }])).toMatchObject({
        ok: false,
        error: { code: 'not-found' },
      });
      expect(await app.invoke('permission:answer', [{ identity, requestId: 'perm-1-00', answer: 'maybe' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });

      await call('bottle:stop', [identity]);
      await pushedView(app, identity, (view) => view.status === 'ready-to-resume');
      await call('bottle:resume', [identity]);
      await pushedView(app, identity, (view) => view.status === 'running');
      expect(await call('bottles:bulk', [{ action: 'stop', identities: [identity], keepState: false }])).toEqual([
        { identity, outcome: 'done', message: null },
      ]);
      await pushedView(app, identity, (view) => view.status === 'ready-to-resume');
      await call('bottle:remove', [identity, { keepState: false }]);
      await eventually(async () =>
        expect((await app.events()).some((event) => event.type === 'bottle-removed' && event.identity === identity)).toBe(true),
      );

      // Signing in: the header's status, a pasted token (its value never comes back), Sign out.
      expect(await call<CredentialStatus>('credentials:status', [])).toMatchObject({ set: 'claude', method: null });
      const token = `sk-ant-oat01-desktop-${Math.random().toString(36).slice(2).padEnd(40, '0')}`;
      const saved = await call<CredentialStatus>('credentials:set', [{ name: 'CLAUDE_CODE_OAUTH_TOKEN', value: token }]);
      expect(saved.method).toBe('token');
      expect(JSON.stringify(saved)).not.toContain(token);
      await eventually(async () =>
        expect((await app.events()).some((event) => event.type === 'credentials' && event.status.method === 'token')).toBe(true),
      );
      expect(await app.invoke('credentials:set', [{ name: 'AWS_SECRET', value: 'x' }])).toMatchObject({
        ok: false,
        error: { code: 'invalid-argument' },
      });
      expect((await call<CredentialStatus>('credentials:forget', [])).method).toBeNull();
      expect(JSON.stringify(await app.events())).not.toContain(token);

      // Every channel of the contract was driven through the real main process.
      expect([...exercised].sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
    },
  );

  it.skipIf(skipWithoutDocker)(
    'a second instance focuses the window; quitting closes every stream and leaves bottles running',
    async () => {
      const app = await openApp();
      const { identity } = await app.ok<{ identity: string }>('bottle:start', [{ agent: 'scripted', cwd: env.project(), copy: false }]);
      await pushedView(app, identity, (view) => view.status === 'running');

      await app.call('minimize');
      await app.call('appEvent', { name: 'second-instance', args: [['claude-bottle'], env.project()] });
      const focused = await app.state();
      expect(focused.restoreCalls).toBe(1);
      expect(focused.focusCalls).toBeGreaterThanOrEqual(1);

      const quit = await app.call<MainState>('quit');
      expect(quit.quitCalls).toBe(1);
      // The quit waited for the core to close, then exited (the driver answers on Electron's quit event).
      expect(quit.exitCode).toBe(0);
      expect(quit.removedHandlers.sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
      // With the IPC channel to the driver gone, only a watcher or stream the app forgot to close
      // could keep this process alive.
      const code = await Promise.race([
        app.exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000)),
      ]);
      expect(code).toBe(0);
      expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(true);
    },
  );
});
