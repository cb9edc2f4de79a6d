import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView } from '../../src/shared/bottle-view';
import { createCore, type Core } from '../../src/core/create-core';
import { BottleService } from '../../src/core/services/bottle-service';
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
 * no listing or inspect of the bottle's container (the listing lags behind the events, and an
 * inspect waits while the engine is still killing it: both made the card late).
 */
describe.skipIf(skipWithoutDocker)('a card follows engine events without asking the engine again', () => {
  it('shows a container killed by hand as exited, and started again as running, from what the events say', async () => {
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
    // Every read of this bottle's view from here on, with the container it was handed (if any).
    const reads: { handed: string | null; status: string | null }[] = [];
    const view = BottleService.prototype.view;
    vi.spyOn(BottleService.prototype, 'view').mockImplementation(async function (this: BottleService, id, known) {
      const read = await view.call(this, id, known);
      if (id === identity) reads.push({ handed: known?.State ?? null, status: read?.status ?? null });
      return read;
    });
    await container.kill();
    await eventually(async () => expect(latest()).toMatchObject({ status: 'exited', exitCode: 137 }), 10_000, 20);
    await container.start();
    await eventually(async () => expect(latest()).toMatchObject({ status: 'running', exitCode: null }), 10_000, 20);
    // The views were read with the container the events told, not listed and inspected. A
    // state-folder change landing with an event rightly makes that one read ask the engine (under
    // a loaded suite it did for the kill), so at least one of the two must come from its event;
    // which action gives which state is the unit test's (container-event.test.ts).
    expect(reads.filter((read) => read.handed !== null && read.handed === read.status).length, JSON.stringify(reads)).toBeGreaterThan(0);
    expect(
      reads.every((read) => read.handed === null || read.handed === read.status),
      JSON.stringify(reads),
    ).toBe(true);
    // What the view reads from the state folder still comes with it.
    expect(latest()).toMatchObject({ agentName: 'scripted', containerId: (await container.inspect()).Id });
  });
});
