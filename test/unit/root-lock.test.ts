import { spawnSync } from 'node:child_process';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tryHoldRootLock, withRootLock } from '../../src/core/state/root-lock';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();

/** A pid that ran and has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid ?? 0;
}

describe("the state root's lock files", () => {
  it('runs works on one lock one at a time, and releases it after each', async () => {
    const order: string[] = [];
    const work = (name: string) => async (): Promise<void> => {
      order.push(`${name} in`);
      await sleep(50);
      order.push(`${name} out`);
    };
    await Promise.all([withRootLock('gateway', work('a')), withRootLock('gateway', work('b'))]);
    // Which of the two takes it first is the file system's race; that they never overlap is the rule.
    const first = order[0]?.split(' ')[0] === 'b' ? 'b' : 'a';
    const second = first === 'a' ? 'b' : 'a';
    expect(order).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    expect(await tryHoldRootLock('gateway')).not.toBeNull();
  });

  it('is refused while a running process holds it, and taken over from one that died', async () => {
    const first = await tryHoldRootLock('network-recorder');
    expect(first).not.toBeNull();
    expect(await tryHoldRootLock('network-recorder')).toBeNull();
    await first?.release();
    await writeFile(join(home(), 'network-recorder.lock'), String(deadPid()));
    expect(await tryHoldRootLock('network-recorder')).toBeNull(); // the dead owner's file is removed on this try
    expect(await tryHoldRootLock('network-recorder')).not.toBeNull();
  });

  it('takes over a file left without a pid for seconds (its writer died in between), never a fresh one', async () => {
    const path = join(home(), 'gateway.lock');
    await writeFile(path, '');
    expect(await tryHoldRootLock('gateway')).toBeNull();
    expect(await tryHoldRootLock('gateway')).toBeNull();
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    await expect(withRootLock('gateway', async () => 'ran')).resolves.toBe('ran');
  });
});
