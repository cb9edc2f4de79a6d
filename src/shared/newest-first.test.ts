import { describe, expect, it } from 'vitest';
import { newestFirst, startedTime } from './newest-first';

const started = (identity: string, startedAt: string | null): { identity: string; startedAt: string | null } => ({ identity, startedAt });
const order = (items: Array<{ identity: string; startedAt: string | null }>): string[] => newestFirst(items).map((item) => item.identity);

describe('newest first', () => {
  it('sorts by start time, newest first, and puts bottles without one last', () => {
    expect(
      order([
        started('a-1', '2026-11-26T10:00:00+00:00'),
        started('b-1', null),
        started('c-1', '2026-11-26T11:00:00+00:00'),
        started('d-1', 'not a time'),
      ]),
    ).toEqual(['c-1', 'a-1', 'b-1', 'd-1']);
  });

  it('compares instants, not text: another offset sorts by when it was', () => {
    // 11:30+02:00 is 09:30 UTC: older than 10:00Z, though it reads as later.
    expect(order([started('early', '2026-11-26T11:30:00+02:00'), started('late', '2026-11-26T10:00:00Z')])).toEqual(['late', 'early']);
    expect(startedTime('2026-11-26T11:30:00+02:00')).toBe(Date.parse('2026-11-26T09:30:00Z'));
  });

  it('breaks ties by identity, so the order never depends on where the list came from', () => {
    const at = '2026-11-26T10:00:00Z';
    expect(order([started('b-1', at), started('a-1', at), started('c-1', null), started('a-2', null)])).toEqual([
      'a-1',
      'b-1',
      'a-2',
      'c-1',
    ]);
  });

  it('returns a new array and leaves the input alone', () => {
    const items = [started('a-1', '2026-01-01T00:00:00Z'), started('b-1', '2026-02-01T00:00:00Z')];
    expect(order(items)).toEqual(['b-1', 'a-1']);
    expect(items.map((item) => item.identity)).toEqual(['a-1', 'b-1']);
  });

  it('orders by creation, so a bottle resumed (started again) later keeps its place', () => {
    const older = { identity: 'old-1', createdAt: '2026-11-26T09:00:00Z', startedAt: '2026-11-26T12:00:00Z' };
    const newer = { identity: 'new-1', createdAt: '2026-11-26T10:00:00Z', startedAt: '2026-11-26T10:00:00Z' };
    expect(newestFirst([older, newer]).map((item) => item.identity)).toEqual(['new-1', 'old-1']);
    // Without a creation time (a bottle from before it was recorded), its start time stands in.
    const legacy = { identity: 'leg-1', createdAt: null, startedAt: '2026-11-26T11:00:00Z' };
    expect(newestFirst([older, newer, legacy]).map((item) => item.identity)).toEqual(['leg-1', 'new-1', 'old-1']);
  });
});
