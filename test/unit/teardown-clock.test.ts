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
  // Stamps with a fraction of a second, as ext4 and xfs keep them.
  const fine = (ms: bigint): bigint => pausedAt + ms * MS + 123_456n;

  it('takes a change within a few ticks before the pause for one after it', () => {
    expect(changedAfterPause(fine(5n), pausedAt)).toBe(true);
    expect(changedAfterPause(fine(-10n), pausedAt)).toBe(true);
    expect(changedAfterPause(fine(-49n), pausedAt)).toBe(true);
  });

  it('trusts a stamp 300 ms before the pause, but not a whole-second stamp less than a second before it', () => {
    expect(changedAfterPause(fine(-300n), pausedAt)).toBe(false);
    // A whole-second stamp (a filesystem without finer ones): a change just after the pause can read up to a second before it.
    expect(changedAfterPause(pausedAt, pausedAt)).toBe(true);
    expect(changedAfterPause(pausedAt - 1_000n * MS, pausedAt)).toBe(true);
    expect(changedAfterPause(pausedAt - 2_000n * MS, pausedAt)).toBe(false);
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
