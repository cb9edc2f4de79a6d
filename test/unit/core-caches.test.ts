import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { appendJournal, JournalCounts } from '../../src/core/rebuild/journal';
import { StateSizes } from '../../src/core/state/state-size';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const decision = {
  at: '2026-11-25T00:00:00Z',
  decision: 'rejected' as const,
  requestId: 'req-1-a',
  reason: 'r',
  diff: '',
  imageId: null,
  message: null,
  by: 'me',
};

/*
 * What a core remembers of its bottles is its own: a removed bottle leaves nothing behind in it,
 * and a closed core holds nothing at all (it used to live at module level, for the process's life).
 */
describe("a core's caches", () => {
  it('forget a removed bottle, keep the others, and are empty once the core closes', async () => {
    const gone = await makeStateBottle('gone-abcde');
    const kept = await makeStateBottle('kept-abcde');
    for (const identity of [gone, kept]) await appendJournal(identity, decision);
    const core = createCore();
    const caches = core.deps.caches;
    try {
      // A bottle's view measures its state folder and counts its journal.
      for (const identity of [gone, kept]) expect((await core.bottles.view(identity))?.historyCount).toBe(1);
      for (const identity of [gone, kept]) expect(caches.holding(identity).sort()).toEqual(['JournalCounts', 'StateSizes']);
      expect(caches.of(StateSizes).known(gone)).toBeGreaterThan(0);

      await core.bottles.remove(gone, { keepState: false, force: true });
      expect(caches.holding(gone)).toEqual([]);
      expect(caches.of(StateSizes).known(gone)).toBeNull();
      expect(caches.holding(kept).sort()).toEqual(['JournalCounts', 'StateSizes']);
      expect(caches.of(JournalCounts).size()).toBe(1);
    } finally {
      await core.close();
    }
    expect(caches.holding(kept)).toEqual([]);
    expect(Object.values(caches.sizes()).every((size) => size === 0)).toBe(true);
    expect(Object.keys(caches.sizes()).sort()).toEqual(['JournalCounts', 'StateSizes']);
  });

  it('are not shared between cores', async () => {
    const identity = await makeStateBottle('alone-abcde');
    const first = createCore();
    const second = createCore();
    try {
      await first.bottles.view(identity);
      expect(first.deps.caches.holding(identity)).toContain('StateSizes');
      expect(second.deps.caches.holding(identity)).toEqual([]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
