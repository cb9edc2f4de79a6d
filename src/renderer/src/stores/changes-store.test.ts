import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeSet } from '../../../shared/changes';
import { emptyTotals } from '../../../shared/changes';
import { useChangesStore } from './changes-store';

const ID = 'dev-abcde';
let calls: { channel: string; args: unknown[] }[] = [];
let revision = 1;

function changeSet(): ChangeSet {
  return {
    identity: ID,
    mode: 'copy',
    source: 'container',
    baseline: { kind: 'manifest', head: null, branch: null, takenAt: '', files: 1 },
    files: [],
    totals: emptyTotals(),
    revision,
    computedAt: '',
    notes: [],
    warnings: [],
    lastApply: null,
    since: 'start',
    sinceCounts: { start: 0, apply: 0 },
  };
}

beforeEach(() => {
  calls = [];
  revision = 1;
  // The page's API, as the preload or the browser client provides it.
  (globalThis as unknown as { window: unknown }).window = {
    setInterval: (): number => 1,
    clearInterval: (): void => undefined,
    claudeBottle: {
      invoke: async (channel: string, ...args: unknown[]): Promise<unknown> => {
        calls.push({ channel, args });
        return channel === 'changes:watch' ? changeSet() : null;
      },
    },
  };
});

afterEach(() => {
  useChangesStore.getState().close(ID);
  delete (globalThis as { window?: unknown }).window;
});

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('changes store', () => {
  it('watches while open, re-reads only for a revision it does not show, and stops watching on close', async () => {
    useChangesStore.getState().open(ID);
    await settle();
    expect(calls.map((call) => call.channel)).toEqual(['changes:watch']);
    expect(useChangesStore.getState().byIdentity[ID]?.set?.revision).toBe(1);

    useChangesStore.getState().updated(ID, 1);
    await settle();
    expect(calls).toHaveLength(1);

    revision = 2;
    useChangesStore.getState().updated(ID, 2);
    await settle();
    expect(useChangesStore.getState().byIdentity[ID]?.set?.revision).toBe(2);
    useChangesStore.getState().updated(ID, -1);
    await settle();
    expect(calls.map((call) => call.channel)).toEqual(['changes:watch', 'changes:watch', 'changes:watch']);

    useChangesStore.getState().close(ID);
    expect(useChangesStore.getState().byIdentity[ID]).toBeUndefined();
    expect(calls.at(-1)).toEqual({ channel: 'changes:unwatch', args: [ID] });
    // Closed: an event for it is ignored.
    useChangesStore.getState().updated(ID, 3);
    await settle();
    expect(calls.at(-1)?.channel).toBe('changes:unwatch');
  });

  it('asks for the chosen side, and remembers the choice per bottle when the view closes and opens again', async () => {
    useChangesStore.getState().open(ID);
    await settle();
    useChangesStore.getState().setSince(ID, 'apply');
    await settle();
    expect(calls.filter((call) => call.channel === 'changes:watch').map((call) => call.args)).toEqual([
      [ID, { since: 'start' }],
      [ID, { since: 'apply' }],
    ]);
    useChangesStore.getState().close(ID);
    useChangesStore.getState().open(ID);
    await settle();
    expect(calls.at(-1)).toEqual({ channel: 'changes:watch', args: [ID, { since: 'apply' }] });
    expect(useChangesStore.getState().since['dev-other']).toBeUndefined();
    useChangesStore.getState().setSince(ID, 'start');
  });
});
