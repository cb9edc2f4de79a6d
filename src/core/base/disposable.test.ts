import { describe, expect, it } from 'vitest';
import { DisposableStore, toDisposable } from './disposable';

describe('a store of disposables', () => {
  it('releases everything newest first, once, and reports a failure after trying the rest', async () => {
    const released: string[] = [];
    const store = new DisposableStore();
    store.add(toDisposable(() => void released.push('first')));
    store.add(
      toDisposable(() => {
        released.push('failing');
        throw new Error('could not close');
      }),
    );
    const gone = store.add(toDisposable(() => void released.push('gone on its own')));
    store.add(toDisposable(async () => void released.push('last')));
    store.delete(gone);
    expect(store.size).toBe(3);
    await expect(store.dispose()).rejects.toThrow('could not close');
    expect(released).toEqual(['last', 'failing', 'first']);
    await store.dispose();
    expect(released).toHaveLength(3);
    expect(store.size).toBe(0);
  });

  it('releases at once what is added after it closed', async () => {
    const store = new DisposableStore();
    await store.dispose();
    let released = false;
    store.add(toDisposable(() => void (released = true)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(true);
    expect(store.size).toBe(0);
  });
});
