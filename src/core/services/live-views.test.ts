import { describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../shared/app-events';
import type { BottleView } from '../../shared/bottle-view';
import { testView } from '../../../test/helpers/test-views';
import { ActivityTracker } from '../base/activity-tracker';
import type { CoreDeps } from '../deps/core-deps';
import { LiveViews } from './live-views';
import type { Notices } from '../base/notices';

function setup(initial: BottleView[]): {
  views: LiveViews;
  events: AppEvent[];
  disk: Map<string, BottleView>;
  engine: { up: boolean };
  lists: { count: number };
  /** The container state each single-bottle read was given (undefined: read from the engine). */
  asked: (string | undefined)[];
  /** While set, single-bottle reads wait for it (a read still running when something else happens). */
  hold: { until: Promise<void> | null };
} {
  const disk = new Map(initial.map((view) => [view.identity, view]));
  const engine = { up: true };
  const lists = { count: 0 };
  const asked: (string | undefined)[] = [];
  const hold: { until: Promise<void> | null } = { until: null };
  const events: AppEvent[] = [];
  const ctx = { activity: new ActivityTracker() } as unknown as CoreDeps;
  const notices = {
    failure: (what: string, error: unknown) => events.push({ type: 'notice', level: 'error', message: `${what}: ${String(error)}` }),
  } as unknown as Notices;
  const views = new LiveViews(
    ctx,
    {
      view: async (identity, container) => {
        asked.push(container?.State);
        if (hold.until !== null) await hold.until;
        return disk.get(identity) ?? null;
      },
      list: async () => {
        lists.count += 1;
        return { bottles: [...disk.values()], otherInstances: 0 };
      },
      otherInstances: async () => 0,
      engineConnected: () => engine.up,
    },
    (event) => events.push(event),
    notices,
  );
  return { views, events, disk, engine, lists, asked, hold };
}

describe('live views kept for windows', () => {
  it('answers lists from what it keeps once it read everything, and re-reads in the background', async () => {
    const old = testView({ identity: 'old-aaaaa', startedAt: '2026-01-01T00:00:00+00:00' });
    const recent = testView({ identity: 'new-bbbbb', startedAt: '2026-02-01T00:00:00+00:00' });
    const { views, events, disk, engine, lists } = setup([old, recent]);
    vi.useFakeTimers({ toFake: ['Date'] });
    // The first window to list starts the first full read; windows listing meanwhile (and the
    // watchers' resync) share it rather than reading everything again.
    const reading = views.resync();
    const [first, second] = await Promise.all([views.kept(), views.kept()]);
    await reading;
    expect(first?.bottles.length).toBe(2);
    expect(second?.bottles.length).toBe(2);
    expect(lists.count).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['bottle-changed', 'bottle-changed']);
    expect((await views.kept())?.bottles.map((view) => view.identity)).toEqual(['new-bbbbb', 'old-aaaaa']);

    // A folder the watchers missed: the background re-read after a kept list finds and pushes it
    // (once the last full read is old enough; many windows listing share one re-read).
    disk.set('missed-ccccc', testView({ identity: 'missed-ccccc' }));
    disk.delete('old-aaaaa');
    await views.kept();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(lists.count).toBe(1);
    vi.setSystemTime(Date.now() + 11_000);
    await views.kept();
    await views.kept();
    vi.useRealTimers();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(lists.count).toBe(2);
    // Unchanged bottles are not pushed again.
    expect(events.slice(2)).toEqual([
      { type: 'bottle-removed', identity: 'old-aaaaa' },
      { type: 'bottle-changed', bottle: disk.get('missed-ccccc') },
    ]);
    expect((await views.kept())?.bottles.map((view) => view.identity).sort()).toEqual(['missed-ccccc', 'new-bbbbb']);

    // While Docker is away, container states kept from before would mislead: read afresh.
    engine.up = false;
    expect(await views.kept()).toBeNull();
    views.close();
  });

  it('starts the first full read itself when a window lists before the watchers did', async () => {
    const { views, lists } = setup([testView({ identity: 'one-aaaaa' })]);
    const [first, second] = await Promise.all([views.kept(), views.kept()]);
    expect(first?.bottles.map((view) => view.identity)).toEqual(['one-aaaaa']);
    expect(second?.bottles.length).toBe(1);
    expect(lists.count).toBe(1);
    views.close();
  });
});

describe('live views refreshed by engine events', () => {
  it('reads a bottle with the container an engine event told, and from the engine for anything else', async () => {
    const bottle = testView({ identity: 'ev-aaaaa', status: 'running' });
    const id = bottle.containerId as string;
    const { views, disk, events, asked } = setup([bottle]);
    await views.resync();
    const read = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));
    disk.set('ev-aaaaa', { ...bottle, status: 'exited', exitCode: 137 });
    // kill, then die, before the read: one read, with the state the die set.
    views.refresh('ev-aaaaa', { id, action: 'kill', attributes: { signal: '9' } });
    views.refresh('ev-aaaaa', { id, action: 'die', attributes: { exitCode: '137' } });
    await read();
    expect(events.at(-1)).toMatchObject({ type: 'bottle-changed', bottle: { status: 'exited', exitCode: 137 } });
    // A state-folder change reads the container from the engine.
    views.refresh('ev-aaaaa');
    await read();
    // So does an event together with another change.
    views.refresh('ev-aaaaa', { id, action: 'start', attributes: {} });
    views.refresh('ev-aaaaa');
    await read();
    expect(asked).toEqual(['exited', undefined, undefined]);
    views.close();
  });

  it('keeps an event that arrives while another read of the bottle runs: the next read is handed its container', async () => {
    const bottle = testView({ identity: 'busy-aaaaa', status: 'running' });
    const id = bottle.containerId as string;
    const { views, disk, events, asked, hold } = setup([bottle]);
    await views.resync();
    const read = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));
    // A state-folder change starts a read from the engine; the kill's die arrives while it runs.
    let release = (): void => undefined;
    hold.until = new Promise((resolve) => (release = resolve));
    views.refresh('busy-aaaaa');
    await read();
    disk.set('busy-aaaaa', { ...bottle, status: 'exited', exitCode: 137 });
    views.refresh('busy-aaaaa', { id, action: 'die', attributes: { exitCode: '137' } });
    hold.until = null;
    release();
    await read();
    expect(asked).toEqual([undefined, 'exited']);
    expect(events.at(-1)).toMatchObject({ type: 'bottle-changed', bottle: { status: 'exited', exitCode: 137 } });
    views.close();
  });

  it('publishes no view from an event once the engine is lost: the resync after the loss shows the bottle offline', async () => {
    const bottle = testView({ identity: 'gone-aaaaa', status: 'running' });
    const id = bottle.containerId as string;
    const { views, disk, events, engine, asked, hold } = setup([bottle]);
    await views.resync();
    const read = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));
    // A shutting-down engine kills its containers (the kill keeps "running") and then goes away
    // while that event's read still runs; the resync its loss starts finishes first.
    let release = (): void => undefined;
    hold.until = new Promise((resolve) => (release = resolve));
    views.refresh('gone-aaaaa', { id, action: 'kill', attributes: { signal: '15' } });
    await read();
    expect(asked).toEqual(['running']);
    engine.up = false;
    disk.set('gone-aaaaa', { ...bottle, status: 'engine-offline', containerId: null });
    hold.until = null;
    await views.resync();
    expect(events.at(-1)).toMatchObject({ type: 'bottle-changed', bottle: { status: 'engine-offline' } });
    disk.set('gone-aaaaa', bottle);
    release();
    await read();
    expect(events.at(-1)).toMatchObject({ type: 'bottle-changed', bottle: { status: 'engine-offline' } });
    views.close();
  });
});
