import { beforeEach, describe, expect, it } from 'vitest';
import { testView } from '../../../../test/helpers/test-views';
import { useBottlesStore } from './bottles-store';

const store = (): ReturnType<typeof useBottlesStore.getState> => useBottlesStore.getState();

beforeEach(() => {
  useBottlesStore.setState({ byIdentity: {}, order: [], loaded: false, partial: null, loadError: null });
});

describe('bottles store', () => {
  it('orders newest first, ties by identity, and keeps the order array when nothing moves', () => {
    store().replaceAll([
      testView({ identity: 'b-old', startedAt: '2026-11-01T00:00:00+00:00' }),
      testView({ identity: 'z-new', startedAt: '2026-11-20T00:00:00+00:00' }),
      testView({ identity: 'a-new', startedAt: '2026-11-20T00:00:00+00:00' }),
      testView({ identity: 'no-date', startedAt: null }),
    ]);
    expect(store().order).toEqual(['a-new', 'z-new', 'b-old', 'no-date']);
    expect(store().loaded).toBe(true);
    const order = store().order;
    store().upsert(testView({ identity: 'b-old', startedAt: '2026-11-01T00:00:00+00:00', status: 'exited' }));
    expect(store().order).toBe(order);
    expect(store().byIdentity['b-old']?.status).toBe('exited');
    store().upsert(testView({ identity: 'b-old', startedAt: '2026-11-25T00:00:00+00:00' }));
    expect(store().order[0]).toBe('b-old');
  });

  it('removes, and applies activity only to bottles it knows', () => {
    store().replaceAll([testView({ identity: 'one-aaaaa' })]);
    store().setActivity('ghost-zzzzz', { kind: 'starting', step: null, totalSteps: null, logTail: [], error: null });
    expect(Object.keys(store().byIdentity)).toEqual(['one-aaaaa']);
    store().setActivity('one-aaaaa', { kind: 'stopping', step: null, totalSteps: null, logTail: [], error: null });
    expect(store().byIdentity['one-aaaaa']?.activity?.kind).toBe('stopping');
    store().remove('one-aaaaa');
    store().remove('one-aaaaa');
    expect(store().order).toEqual([]);
  });

  it('shows the first screen until the whole list arrives, never after', () => {
    store().showFirst([testView({ identity: 'new-aaaaa' })], 5000);
    expect(store().partial).toEqual({ total: 5000 });
    expect(store().loaded).toBe(true);
    store().replaceAll([testView({ identity: 'new-aaaaa' }), testView({ identity: 'old-bbbbb', startedAt: null })]);
    expect(store().partial).toBeNull();
    store().showFirst([testView({ identity: 'late-ccccc' })], 1);
    expect(store().order).toEqual(['new-aaaaa', 'old-bbbbb']);
  });
});
