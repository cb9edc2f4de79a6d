import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/core/base/limiter';

/** A promise the test resolves when it chooses. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

describe('Limiter', () => {
  it('runs at most its limit at once, the rest in order as slots free, and passes results and failures through', async () => {
    const limiter = new Limiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((g, index) =>
      limiter.run(async () => {
        started.push(index);
        running += 1;
        most = Math.max(most, running);
        await g.wait;
        running -= 1;
        if (index === 3) throw new Error('work 3 failed');
        return index * 10;
      }),
    );
    const settled = Promise.allSettled(runs);
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    for (const g of gates) {
      g.open();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await settled;
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message))).toEqual([
      0,
      10,
      20,
      'work 3 failed',
      40,
    ]);
    // A failure frees its slot like a success: the limiter takes new work at once.
    expect(await limiter.run(async () => 'after')).toBe('after');
  });
});
