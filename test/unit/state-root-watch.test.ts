import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { stateRoot } from '../../src/core/state/state-paths';
import { StateRootWatch, watchBottleFolders } from '../../src/core/state/state-root-watch';
import { eventually } from '../helpers/docker-exec';
import { useTempHome } from '../helpers/temp-home';

const home = useTempHome();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes entries in the state root until the watch reports one (it opens asynchronously). */
async function seen(names: string[][], made: string): Promise<void> {
  let round = 0;
  await eventually(async () => {
    const name = `${made}${round++}`;
    await mkdir(join(stateRoot(), name), { recursive: true });
    if (!names.every((got) => got.some((entry) => entry.startsWith(made)))) throw new Error(`no event for ${made} yet`);
  }, 5000);
}

describe('the state root: one watch, shared by every subscriber', () => {
  it('creates the root 0700, tells every subscriber, and stays open until the last one leaves', async () => {
    const root = new StateRootWatch();
    const a: string[] = [];
    const b: string[] = [];
    const first = root.subscribe((name) => a.push(name ?? ''));
    const second = root.subscribe((name) => b.push(name ?? ''));
    await eventually(async () => expect(root.watching).toBe(true), 5000);
    expect((await stat(stateRoot())).mode & 0o777).toBe(0o700);
    await seen([a, b], 'both-');
    // One leaves: the other still hears, over the same watch.
    await first.dispose();
    expect(root.watching).toBe(true);
    const heardByA = a.length;
    await seen([b], 'second-only-');
    expect(a.length).toBe(heardByA);
    // The last leaves: the watch closes; a new subscriber opens it again.
    await second.dispose();
    expect(root.watching).toBe(false);
    const third: string[] = [];
    const again = root.subscribe((name) => third.push(name ?? ''));
    await seen([third], 'again-');
    root.dispose();
    expect(root.watching).toBe(false);
    await again.dispose();
  });

  it('bottle folders: an identity changed now and once more after its writer is likely done; nothing after dispose', async () => {
    const root = new StateRootWatch();
    const changed: string[] = [];
    const folders = watchBottleFolders(root, (identity) => changed.push(identity));
    await eventually(async () => expect(root.watching).toBe(true), 5000);
    await writeFile(join(stateRoot(), '.tmp-stray'), 'x');
    await mkdir(join(stateRoot(), 'dev-aaaaa'));
    await eventually(async () => expect(changed).toContain('dev-aaaaa'), 5000);
    expect(changed.every((identity) => identity === 'dev-aaaaa')).toBe(true);
    // The settle look comes a second later.
    const early = changed.length;
    await eventually(async () => expect(changed.length).toBeGreaterThan(early), 3000);
    await mkdir(join(stateRoot(), 'dev-bbbbb'));
    await eventually(async () => expect(changed).toContain('dev-bbbbb'), 5000);
    await folders.dispose();
    const atDispose = changed.length;
    await sleep(1500);
    // Its pending settle look was cancelled with it, and the watch closed with its last subscriber.
    expect(changed.length).toBe(atDispose);
    expect(root.watching).toBe(false);
    root.dispose();
  });

  it('the inbox watcher shares the watch it is given: closing it leaves the bottle folders watched', async () => {
    const root = new StateRootWatch();
    const changed: string[] = [];
    const folders = watchBottleFolders(root, (identity) => changed.push(identity));
    const inboxes = createInboxWatcher(() => undefined, { stateRoot: root, rescanMs: 60_000 });
    await eventually(async () => expect(root.watching).toBe(true), 5000);
    inboxes.close();
    expect(root.watching).toBe(true);
    await mkdir(join(stateRoot(), 'dev-ccccc'));
    await eventually(async () => expect(changed).toContain('dev-ccccc'), 5000);
    await folders.dispose();
    expect(root.watching).toBe(false);
    root.dispose();
  });

  it('a root that cannot be watched is said once, tried again every second, and watched once it can be', async () => {
    // A file where the state folder goes: mkdir fails until it is removed.
    await writeFile(join(home(), 'state'), 'in the way');
    const errors: unknown[] = [];
    const root = new StateRootWatch((error) => errors.push(error));
    const heard: string[] = [];
    const subscription = root.subscribe((name) => heard.push(name ?? ''));
    await sleep(2500);
    expect(root.watching).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'EEXIST' });
    await rm(join(home(), 'state'));
    await eventually(async () => expect(root.watching).toBe(true), 5000);
    await seen([heard], 'after-');
    await subscription.dispose();
    root.dispose();
  });
});
