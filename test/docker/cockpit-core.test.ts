import { beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

/** An agent that says hello, then keeps an interactive shell on its TTY (input echoes into its output). */
const INTERACTIVE = [
  `mkdir -p ${TEST_TRANSCRIPT_DIR}`,
  `echo "run as $(id -u)" >> ${TEST_TRANSCRIPT_DIR}/log.txt`,
  'echo "hello from the agent"',
  'exec sh -i',
].join('\n');

const env = useBottleTestEnv();
let core: Core | null = null;
let events: AppEvent[] = [];

beforeEach(async () => {
  await writeTestAgent({ name: 'interactive', script: INTERACTIVE });
  events = [];
  core = null;
  return async () => {
    await core?.close();
  };
});

function liveCore(): Core {
  core = createCore({ deps: createCoreDeps(), live: true });
  core.subscribe((event) => events.push(event));
  return core;
}

function terminalOutput(sessionId: string): string {
  return events
    .filter((event) => event.type === 'terminal-data' && event.sessionId === sessionId)
    .map((event) => (event as { data: string }).data)
    .join('');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
  return text;
}

describe.skipIf(skipWithoutDocker)('the cockpit core on a real engine', () => {
  it('a reopened terminal replays what the agent printed before; a second one sees the same', async () => {
    const live = liveCore();
    const { identity } = await live.bottles.start({ agent: 'interactive', cwd: env.project(), copy: false });
    // The live core attached when it saw the bottle run: the greeting is in the ring before any terminal opens.
    await eventually(
      async () => {
        const first = await live.terminals.open(identity, 80, 24);
        try {
          expect(terminalOutput(first.sessionId)).toContain('hello from the agent');
        } finally {
          await live.terminals.close(first.sessionId);
        }
      },
      30_000,
      500,
    );

    const typing = await live.terminals.open(identity, 80, 24);
    await live.terminals.input(typing.sessionId, 'echo marker-$((6*7))\n');
    await eventually(async () => expect(terminalOutput(typing.sessionId)).toContain('marker-42'));
    await live.terminals.close(typing.sessionId);
    expect(live.terminals.feeds.size).toBe(1);

    const reopened = await live.terminals.open(identity, 100, 30);
    const second = await live.terminals.open(identity, 80, 24);
    for (const sessionId of [reopened.sessionId, second.sessionId]) {
      expect(terminalOutput(sessionId)).toContain('hello from the agent');
      expect(terminalOutput(sessionId)).toContain('marker-42');
    }
    // Both show live output from one shared feed.
    await live.terminals.input(second.sessionId, 'echo after-$((2*3))\n');
    await eventually(async () => expect(terminalOutput(reopened.sessionId)).toContain('after-6'));

    // The bottle stops: its terminals end and its feed goes.
    await live.bottles.stop(identity);
    await eventually(async () =>
      expect(events.filter((event) => event.type === 'terminal-exit').map((event) => (event as { sessionId: string }).sessionId)).toEqual(
        expect.arrayContaining([reopened.sessionId, second.sessionId]),
      ),
    );
    await eventually(async () => expect(live.terminals.feeds.size).toBe(0));
  });

  it('a Shell runs as the agent’s user in its working folder, and closing it ends the shell', async () => {
    const live = liveCore();
    const { identity } = await live.bottles.start({ agent: 'interactive', cwd: env.project(), copy: true });
    const container = await bottleContainer(identity);
    const agentUid = await eventually(async () => {
      const { output } = await execIn(container, ['cat', `${TEST_TRANSCRIPT_DIR}/log.txt`]);
      const uid = /run as (\d+)/.exec(output)?.[1];
      if (uid === undefined) throw new Error(`no uid yet in ${output}`);
      return uid;
    }, 30_000);
    const { sessionId } = await live.terminals.openShell(identity, 80, 24);
    await live.terminals.input(sessionId, 'echo "uid=$(id -u) name=$(id -un) pwd=$PWD"\n');
    await eventually(async () => expect(terminalOutput(sessionId)).toMatch(new RegExp(`uid=${agentUid} name=agent pwd=/workspace`)));
    const shells = async (): Promise<number> =>
      (await container.top()).Processes.filter((row: string[]) => row[row.length - 1] === 'sh').length;
    // Something left running in the shell (in the foreground, or in the background) goes with it.
    expect(await shells()).toBe(1);
    await live.terminals.input(sessionId, 'sleep 301 & sleep 300\n');
    await eventually(async () =>
      expect((await container.top()).Processes.some((row: string[]) => row.join(' ').includes('sleep 300'))).toBe(true),
    );
    await live.terminals.close(sessionId);
    await eventually(async () =>
      expect((await container.top()).Processes.some((row: string[]) => /sleep 30[01]/.test(row.join(' ')))).toBe(false),
    );
    expect(await shells()).toBe(0);
  });

  it('logs: the tail, following, bounded by the engine; the CLI prints them', async () => {
    const live = liveCore();
    const { identity } = await live.bottles.start({ agent: 'interactive', cwd: env.project(), copy: false });
    await eventually(
      async () =>
        expect(await readAll(await live.bottles.logs(identity, { tail: 'all', follow: false }))).toContain('hello from the agent'),
      30_000,
      300,
    );

    const { streamId } = await live.logs.open({ identity, tail: 50, follow: true });
    const logText = (): string =>
      events
        .filter((event) => event.type === 'log-data' && event.streamId === streamId)
        .map((event) => (event as { data: string }).data)
        .join('');
    await eventually(async () => expect(logText()).toContain('hello from the agent'));
    const terminal = await live.terminals.open(identity, 80, 24);
    await live.terminals.input(terminal.sessionId, 'echo followed-$((3*3))\n');
    await eventually(async () => expect(logText()).toContain('followed-9'));
    live.logs.close(streamId);

    const cli = await runCli(['logs', identity, '--tail', '100']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('hello from the agent');
    expect(cli.stdout).toContain('followed-9');
    const bad = await runCli(['logs', identity, '--tail', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/invalid --tail/);

    await live.bottles.stop(identity);
    const gone = await runCli(['logs', identity]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/has no container, so no logs/);
  });

  it('stats: only watched running bottles are read, with CPU after the second reading; inspect and bulk stop', async () => {
    const live = liveCore();
    const one = await live.bottles.start({ agent: 'interactive', cwd: env.project(), copy: false });
    const two = await live.bottles.start({ agent: 'interactive', cwd: env.project(), copy: false });
    const watch = live.stats.watch({ subscriptionId: null, identities: [one.identity] });
    const samplesOf = (identity: string): { cpuPercent: number | null; memoryBytes: number; memoryLimitBytes: number | null }[] =>
      events.flatMap((event) => (event.type === 'stats' ? event.samples.filter((sample) => sample.identity === identity) : []));
    await eventually(
      async () => expect(samplesOf(one.identity).filter((sample) => sample.cpuPercent !== null).length).toBeGreaterThan(0),
      20_000,
    );
    const sample = samplesOf(one.identity).at(-1);
    expect(sample?.memoryBytes).toBeGreaterThan(0);
    expect(sample?.memoryLimitBytes).toBe(8 * 1024 ** 3);
    expect(samplesOf(two.identity)).toEqual([]);
    // A second watcher gets the history at once.
    const other = live.stats.watch({ subscriptionId: null, identities: [one.identity, two.identity] });
    expect(other.history.filter((entry) => entry.identity === one.identity).length).toBeGreaterThan(0);
    live.stats.unwatch(other.subscriptionId);
    live.stats.unwatch(watch.subscriptionId);
    expect(live.stats.watched().size).toBe(0);

    const inspected = await live.bottles.inspect(one.identity);
    expect(inspected.container?.user).toMatch(/^\d+:\d+$/);
    expect(inspected.mounts.map((mount) => mount.target)).toEqual(
      expect.arrayContaining(['/workspace', '/opt/claude-bottle', '/run/claude-bottle/inbox']),
    );
    expect(inspected.limits).toMatchObject({ memoryBytes: 8 * 1024 ** 3, capDrop: ['ALL'], privileged: false });
    expect(inspected.dockerfile).toMatchObject({ source: 'agent' });
    expect(inspected.dockerfile?.text).toContain('FROM claude-bottle-test-base');
    // Env names only; the raw engine JSON has each value cut (inspect-runtime.test.ts replays a secret).
    expect(inspected.container?.envNames).toContain('PATH');
    expect(JSON.stringify(inspected)).not.toMatch(/PATH=(?!…)/);

    const results = await live.bottles.bulk({ action: 'stop', identities: [one.identity, two.identity, 'ghost-zzzzz'], keepState: false });
    expect(results).toEqual([
      { identity: one.identity, outcome: 'done', message: null },
      { identity: two.identity, outcome: 'done', message: null },
      { identity: 'ghost-zzzzz', outcome: 'skipped', message: 'no such bottle' },
    ]);
    expect((await env.listMine()).map((view) => view.status)).toEqual(['ready-to-resume', 'ready-to-resume']);
    const again = await live.bottles.bulk({ action: 'stop', identities: [one.identity], keepState: false });
    expect(again[0]).toMatchObject({ outcome: 'skipped', message: 'cannot stop a bottle that is ready-to-resume' });
  });
});
