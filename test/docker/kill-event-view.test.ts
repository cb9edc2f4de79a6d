import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView } from '../../src/shared/bottle-view';
import { createCore, type Core } from '../../src/core/create-core';
import { LABEL_IDENTITY } from '../../src/core/engine/bottle-containers';
import { EngineClient } from '../../src/core/engine/engine-client';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { bottleContainer, eventually } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';

const env = useBottleTestEnv();
let core: Core | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await core?.close();
  core = null;
});

/**
 * A container killed or started by hand: its card follows from what the engine's event says, with
 * no listing of the bottle's containers (the listing lags behind the events, and an inspect waits
 * while the engine is still killing it: both made the card late).
 */
describe.skipIf(skipWithoutDocker)('a card follows engine events without asking the engine again', () => {
  it('shows a container killed by hand as exited, and started again as running, with no listing', async () => {
    const events: AppEvent[] = [];
    const app = createCore({ live: true });
    core = app;
    app.subscribe((event) => events.push(event));
    const { identity } = await app.bottles.start({ agent: 'scripted', cwd: env.project(), copy: false });
    const latest = (): BottleView | undefined =>
      events.findLast(
        (e): e is Extract<AppEvent, { type: 'bottle-changed' }> => e.type === 'bottle-changed' && e.bottle.identity === identity,
      )?.bottle;
    await eventually(async () => expect(latest()?.status).toBe('running'));
    const container = await bottleContainer(identity);
    // The start's own refreshes (its lock released, its folder written) read the engine, rightly:
    // they are let finish before the listings are counted.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Every listing of this bottle's containers from here on (the real engine answers each).
    const listings: string[] = [];
    const list = EngineClient.prototype.listContainers;
    vi.spyOn(EngineClient.prototype, 'listContainers').mockImplementation(function (this: EngineClient, options) {
      if (options.filters.label?.includes(`${LABEL_IDENTITY}=${identity}`)) listings.push(new Error().stack ?? '');
      return list.call(this, options);
    });

    await container.kill();
    await eventually(async () => expect(latest()).toMatchObject({ status: 'exited', exitCode: 137 }), 10_000, 20);
    await container.start();
    await eventually(async () => expect(latest()).toMatchObject({ status: 'running', exitCode: null }), 10_000, 20);
    expect(listings).toEqual([]);
    // What the view reads from the state folder still comes with it.
    expect(latest()).toMatchObject({ agentName: 'scripted', containerId: (await container.inspect()).Id });
  });
});
