import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/create-core';
import { createCoreDeps } from '../../src/core/deps/core-deps';
import { connectDocker } from '../../src/core/engine/docker-client';
import { GatewayControl } from '../../src/core/engine/gateway-control';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { readNetworkLog } from '../../src/core/state/network-log';
import { readNetworkPending } from '../../src/core/state/network-pending';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { usePublicOutside } from '../helpers/public-outside';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { rawDocker } from '../helpers/raw-docker';
import { runCli } from '../helpers/run-cli';
import { writeTestSettings } from '../helpers/test-settings';

/*
 * Issue 19: the app and `serve` both running on one state root both keep a stream to the gateway
 * and hear every connection; each connection must still be on the bottle's record once, not once
 * per live core. Two live cores here stand for the two (the lock that decides is per process id,
 * and these share one, which the lock treats like two processes: held by a running one). The
 * outside is an HTTP server of this test on a public address of the host (a bridge of its own).
 */

const env = useBottleTestEnv();
const outside = usePublicOutside(94);
const PUBLIC_HOST = outside.host;
const cores: Core[] = [];

afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
});

describe.skipIf(skipWithoutDocker)('the connection record with two live cores (issue 19)', () => {
  it('holds each connection once while the app and serve both run; the other takes over when the recorder closes', async () => {
    const port = await outside.serve();
    await writeTestSettings({ network: { allow: [`${PUBLIC_HOST}:${port}`] } });
    const app = createCore({ deps: createCoreDeps(), live: true });
    cores.push(app);
    const identity = (await app.bottles.start({ agent: 'scripted', cwd: env.project(), copy: true })).identity;
    const serve = createCore({ deps: createCoreDeps(), live: true });
    cores.push(serve);
    // Both streams open (each live core opens its own at start and after the launch's push).
    await sleep(2000);
    const container = await bottleContainer(identity);
    const fetch = async (): Promise<string> =>
      (await execIn(container, ['sh', '-c', `timeout 10 wget -q -O - 'http://${PUBLIC_HOST}:${port}/' 2>&1`])).output;
    const ends = async (): Promise<number> =>
      (await readNetworkLog(identity, 100)).filter((entry) => entry.event === 'end' && entry.port === port).length;

    expect(await fetch()).toContain('hello from the outside');
    await eventually(async () => expect(await ends()).toBeGreaterThan(0));
    await sleep(1500); // a second record, if one came, would be in by now
    expect(await ends()).toBe(1);

    // The recorder goes (the app quits): serve records from then on, still once.
    await app.close();
    cores.splice(cores.indexOf(app), 1);
    expect(await fetch()).toContain('hello from the outside');
    await eventually(async () => expect(await ends()).toBe(2));
    await sleep(1500);
    expect(await ends()).toBe(2);
  }, 120_000);

  it('a request held after the live core synced (the bottle started by the CLI) shows in its view and on the record', async () => {
    const port = await outside.serve();
    const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;
    const container = await bottleContainer(identity);

    // The app starts and has pushed its tables on an open stream before the bottle asks for anything.
    const app = createCore({ deps: createCoreDeps(), live: true });
    cores.push(app);
    expect(await app.network.sync()).toBe(true);
    await eventually(async () => expect((await app.bottles.view(identity))?.status).toBe('running'));

    const held = execIn(container, ['sh', '-c', `timeout 50 wget -q -O - 'http://${PUBLIC_HOST}:${port}/' 2>&1`]);
    await eventually(async () => expect((await app.bottles.view(identity))?.networkPending).toHaveLength(1), 30_000);
    const [request] = await readNetworkPending(identity);
    expect(request).toMatchObject({ identity, host: PUBLIC_HOST, port, protocol: 'http' });
    await app.network.answer(identity, request?.id ?? '', 'once');
    expect((await held).output).toContain('hello from the outside');
  }, 120_000);

  it('a live core whose first stream could not open opens it again, and hears a request held after', async () => {
    const port = await outside.serve();
    const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;
    const container = await bottleContainer(identity);

    // The gateway does not answer while the app starts (an engine too busy to run the stream's exec
    // within its time stands for the same). The bottle's request waits in the frozen proxy's backlog,
    // asked before the app starts, so its exec's events come before the app listens to the engine.
    const gateway = rawDocker().getContainer(gatewayContainerName());
    await gateway.pause();
    const failedPushes: number[] = [];
    const log = {
      path: '/dev/null',
      write: (_level: string, message: string): void => {
        if (message.startsWith('network gateway of ')) failedPushes.push(Date.now());
      },
      flush: async (): Promise<void> => undefined,
    };
    let app: Core;
    let held: ReturnType<typeof execIn>;
    try {
      // Long enough to outlast the pause and the app's longest backoff.
      held = execIn(container, ['sh', '-c', `timeout 150 wget -q -O - 'http://${PUBLIC_HOST}:${port}/' 2>&1`]);
      await eventually(async () => expect(JSON.stringify((await container.top()).Processes)).toContain('wget -q'));
      const attached = await watchAttach(container.id);
      app = createCore({ deps: createCoreDeps(), live: true, log });
      cores.push(app);
      await expect(app.network.sync()).rejects.toThrow(/paused/);
      // The app attaches to the running bottle's terminal: the push that event schedules fails too
      // (200 ms after it). After that nothing of the bottle changes: only a retry can open the stream.
      const attachedAt = await attached.at;
      await eventually(async () => expect(failedPushes.some((at) => at >= attachedAt + 200)).toBe(true));
    } finally {
      await gateway.unpause();
    }

    // The proxy reads the request now and holds it: the app hears it once its stream opens again,
    // at its next retry: up to 30 s away (the backoff doubles while the pause lasts, up to 30 s).
    await eventually(async () => expect((await app.bottles.view(identity))?.networkPending).toHaveLength(1), 70_000);
    const [request] = await readNetworkPending(identity);
    expect(request).toMatchObject({ identity, host: PUBLIC_HOST, port, protocol: 'http' });
    await app.network.answer(identity, request?.id ?? '', 'once');
    expect((await held).output).toContain('hello from the outside');
  }, 180_000);

  it('a request held while only the CLI ran is recorded by the live core that starts later', async () => {
    const port = await outside.serve();
    // No live core: the CLI starts the bottle, and nothing listens when its request is held.
    const started = await runCli(['start', 'scripted', '--cwd', env.project(), '--copy', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { identity } = JSON.parse(started.stdout) as BottleView;
    const container = await bottleContainer(identity);
    const held = execIn(container, ['sh', '-c', `timeout 50 wget -q -O - 'http://${PUBLIC_HOST}:${port}/' 2>&1`]);
    // Held before the app starts: the gateway's own word (a stream of the test's, not a core's), not a pause.
    await gatewayHolds(identity);
    expect(await readNetworkPending(identity)).toEqual([]);

    // The app starts: it hears what the gateway holds, shows it and keeps it on the record.
    const app = createCore({ deps: createCoreDeps(), live: true });
    cores.push(app);
    await eventually(async () => expect((await app.bottles.view(identity))?.networkPending).toHaveLength(1), 30_000);
    const [request] = await eventually(async () => {
      const recorded = await readNetworkPending(identity);
      expect(recorded).toHaveLength(1);
      return recorded;
    });
    expect(request).toMatchObject({ identity, host: PUBLIC_HOST, port, protocol: 'http' });
    // And it is the same held connection: allowed now, it goes through.
    await app.network.answer(identity, request?.id ?? '', 'once');
    expect((await held).output).toContain('hello from the outside');
  }, 120_000);
});

/** Resolves once the gateway says it holds a request of `identity` (a stream it opens tells what is held, then what comes). */
async function gatewayHolds(identity: string): Promise<void> {
  const messages: unknown[] = [];
  const control = await GatewayControl.open(connectDocker().docker.getContainer(gatewayContainerName()), {
    message: (message) => messages.push(message),
    badLine: () => undefined,
    closed: () => undefined,
  });
  try {
    await eventually(async () => expect(messages).toContainEqual(expect.objectContaining({ type: 'pending', identity })), 30_000);
  } finally {
    control.close();
  }
}

/** Listens (from when it resolves) for the engine to say something attached to the container (the app's terminal feed); `at` is when. */
async function watchAttach(containerId: string): Promise<{ at: Promise<number> }> {
  const events = await rawDocker().getEvents({ filters: { container: [containerId], event: ['attach'] } });
  const at = new Promise<number>((resolve) =>
    events.once('data', () => {
      resolve(Date.now());
      (events as NodeJS.ReadableStream & { destroy(): void }).destroy();
    }),
  );
  return { at };
}
