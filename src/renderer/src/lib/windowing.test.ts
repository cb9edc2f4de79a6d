import { describe, expect, it } from 'vitest';
import { indexAt, scrollToReveal, stackOffsets, visibleRange } from './windowing';

describe('windowing math', () => {
  const rows = stackOffsets(5000, () => 40);

  it('stacks item heights, mixed ones included', () => {
    expect([...stackOffsets(3, (index) => (index === 0 ? 36 : 40))]).toEqual([0, 36, 76, 116]);
    expect(rows[5000]).toBe(200_000);
    expect(indexAt(rows, 0)).toBe(0);
    expect(indexAt(rows, 39.9)).toBe(0);
    expect(indexAt(rows, 40)).toBe(1);
    expect(indexAt(rows, 1e9)).toBe(4999);
    expect(
      indexAt(
        stackOffsets(0, () => 40),
        10,
      ),
    ).toBe(0);
  });

  it('renders what the viewport shows plus overscan, however long the list', () => {
    expect(visibleRange(rows, 0, 800, 5)).toEqual({ start: 0, end: 25 });
    expect(visibleRange(rows, 100_000, 800, 5)).toEqual({ start: 2495, end: 2525 });
    expect(visibleRange(rows, 199_500, 800, 5)).toEqual({ start: 4982, end: 5000 });
    // The list above the viewport (scrolled past) or below it (not reached yet).
    expect(visibleRange(rows, 250_000, 800, 5)).toEqual({ start: 4995, end: 5000 });
    expect(visibleRange(rows, -2000, 800, 5)).toEqual({ start: 0, end: 5 });
    // The same number of items at 1,000 and at 5,000: first render does not grow with the list.
    const small = visibleRange(
      stackOffsets(1000, () => 40),
      0,
      800,
      5,
    );
    const large = visibleRange(rows, 0, 800, 5);
    expect(small.end - small.start).toBe(large.end - large.start);
    expect(
      visibleRange(
        stackOffsets(0, () => 40),
        0,
        800,
        5,
      ),
    ).toEqual({ start: 0, end: 0 });
  });

  it('scrolls just enough to reveal an item, and not at all when it shows', () => {
    expect(scrollToReveal(rows, 10, 0, 800)).toBeNull();
    expect(scrollToReveal(rows, 30, 0, 800)).toBe(31 * 40 - 800);
    expect(scrollToReveal(rows, 2, 400, 800)).toBe(80);
    expect(scrollToReveal(rows, 10, 380, 800, 40)).toBe(360);
    expect(scrollToReveal(rows, 9999, 0, 800)).toBeNull();
  });
});
