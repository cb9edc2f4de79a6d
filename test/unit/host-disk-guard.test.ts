import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { HostDiskGuard, hostWriteOverBudget } from '../../src/core/bottles/host-disk-budget';
import { bottlePaths, settingsPath } from '../../src/core/state/state-paths';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A guard over a real state folder that records every time it found the bottle over budget. */
function recordingGuard(): { guard: HostDiskGuard; over: string[]; failures: unknown[] } {
  const over: string[] = [];
  const failures: unknown[] = [];
  const guard = new HostDiskGuard(
    async (_identity, reason) => {
      over.push(reason);
    },
    (_identity, error) => failures.push(error),
  );
  return { guard, over, failures };
}

describe('the host disk budget of a bottle', () => {
  it('measures its inbox against maxHostWriteBytes and maxHostWriteEntries', async () => {
    const identity = await makeStateBottle('budget-abcde');
    const inbox = bottlePaths(identity).inbox;
    await writeFile(join(inbox, 'a'), Buffer.alloc(6000));
    expect(await hostWriteOverBudget(identity, { maxHostWriteBytes: 1024 ** 2, maxHostWriteEntries: 10 })).toBeNull();
    expect(await hostWriteOverBudget(identity, { maxHostWriteBytes: 4096, maxHostWriteEntries: 10 })).toBe(
      `its inbox went over its 4 KiB disk budget; empty it to resume (${inbox}; the budget is maxHostWriteBytes in ${settingsPath()})`,
    );
    await writeFile(join(inbox, 'b'), '');
    expect(await hostWriteOverBudget(identity, { maxHostWriteBytes: 1024 ** 2, maxHostWriteEntries: 1 })).toMatch(
      /^its inbox went over its budget of 1 files; /,
    );
  });

  it('a flood of 10,000 file events costs a handful of measurements, the first at once and one after the flood', async () => {
    const identity = await makeStateBottle('budget-fghij');
    await writeFile(settingsPath(), JSON.stringify({ maxHostWriteBytes: 1 }));
    await writeFile(join(bottlePaths(identity).inbox, 'junk'), 'x');
    const { guard, over, failures } = recordingGuard();
    try {
      // Every measurement finds it over (one byte of budget), so each one is counted.
      for (let index = 0; index < 10_000; index += 1) guard.changed(identity);
      // Waited for, not slept on: a loaded machine (CI, 2 cores) may take longer than a fixed pause.
      await vi.waitFor(() => expect(over.length).toBeGreaterThanOrEqual(1));
      // At most one per 20 ms after the first, and the trailing one once the flood is over.
      await vi.waitFor(() => expect(over.length).toBeGreaterThanOrEqual(2));
      await sleep(300);
      expect(over.length).toBeLessThanOrEqual(3);
      expect(failures).toEqual([]);
    } finally {
      guard.close();
    }
  });

  it('the periodic pass measures a bottle at most every five seconds; a read measures unless it just was', async () => {
    const identity = await makeStateBottle('budget-klmno');
    await writeFile(settingsPath(), JSON.stringify({ maxHostWriteBytes: 1 }));
    await writeFile(join(bottlePaths(identity).inbox, 'junk'), 'x');
    const { guard, over } = recordingGuard();
    try {
      for (let index = 0; index < 5; index += 1) {
        guard.sweep(identity);
        await sleep(30);
      }
      expect(over).toHaveLength(1);
      await guard.settle(identity);
      expect(over).toHaveLength(2);
    } finally {
      guard.close();
    }
  });
});
