import { describe, expect, it } from 'vitest';
import { changedAfterPause, clockSteppedBack } from '../../src/core/bottles/teardown-snapshot';

/*
 * The teardown keeps a copy made while the container was paused only when nothing in its writable
 * layer changed after the pause, judged by ctimes against the wall clock of the pause. These are
 * the two clock rules that judgement rests on.
 */

const MS = 1_000_000n;
const pausedAt = 1_800_000_000_000n * MS;

describe('changedAfterPause', () => {
  it('takes a change within a few ticks before the pause for one after it on a layer with fine stamps', () => {
    expect(changedAfterPause(pausedAt + 5n * MS, true, pausedAt)).toBe(true);
    expect(changedAfterPause(pausedAt - 10n * MS, true, pausedAt)).toBe(true);
    expect(changedAfterPause(pausedAt - 49n * MS, true, pausedAt)).toBe(true);
  });

  it('trusts a change 300 ms before the pause on a layer with fine stamps, not on one of whole seconds', () => {
    expect(changedAfterPause(pausedAt - 300n * MS, true, pausedAt)).toBe(false);
    // Whole-second stamps: a change just after the pause can be stamped up to a second before it.
    expect(changedAfterPause(pausedAt - 300n * MS, false, pausedAt)).toBe(true);
    expect(changedAfterPause(pausedAt - 999n * MS, false, pausedAt)).toBe(true);
    expect(changedAfterPause(pausedAt - 1001n * MS, false, pausedAt)).toBe(false);
  });
});

describe('clockSteppedBack', () => {
  const early = { pausedAt, pausedMono: 5_000n * MS };

  it('is false when the wall and monotonic clocks moved together (or the wall clock jumped ahead)', () => {
    expect(clockSteppedBack(early, pausedAt + 400n * MS, early.pausedMono + 400n * MS)).toBe(false);
    expect(clockSteppedBack(early, pausedAt + 398n * MS, early.pausedMono + 400n * MS)).toBe(false);
    expect(clockSteppedBack(early, pausedAt + 60_000n * MS, early.pausedMono + 400n * MS)).toBe(false);
  });

  it('is true when the wall clock fell behind: a later change could carry a ctime from before the pause', () => {
    expect(clockSteppedBack(early, pausedAt + 380n * MS, early.pausedMono + 400n * MS)).toBe(true);
    expect(clockSteppedBack(early, pausedAt - 2_000n * MS, early.pausedMono + 400n * MS)).toBe(true);
  });
});
