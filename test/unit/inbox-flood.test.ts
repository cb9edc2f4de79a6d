import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type * as InboxFiles from '../../src/core/rebuild/inbox-files';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { processInbox } from '../../src/core/rebuild/process-inbox';
import { readHistory } from '../../src/core/rebuild/journal';
import { listPendingRecords } from '../../src/core/rebuild/rebuild-store';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { bottlePaths, settingsPath } from '../../src/core/state/state-paths';
import { eventually } from '../helpers/docker-exec';
import { makeStateBottle, requestJson } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

/*
 * A scan begins by listing the inbox, once (processInbox's first step), so the listings of an inbox
 * are its scans: the real listing, counted, and the next one held on request, so that a test can
 * see whether any other scan starts while one is in progress.
 */
const listings = vi.hoisted(() => ({
  count: new Map<string, number>(),
  hold: null as { inbox: string; reached: () => void; released: Promise<void> } | null,
}));
vi.mock('../../src/core/rebuild/inbox-files', async (importOriginal) => {
  const actual = await importOriginal<typeof InboxFiles>();
  return {
    ...actual,
    readInboxNames: async (inbox: string): Promise<Awaited<ReturnType<typeof actual.readInboxNames>>> => {
      listings.count.set(inbox, (listings.count.get(inbox) ?? 0) + 1);
      const hold = listings.hold;
      if (hold !== null && hold.inbox === inbox) {
        listings.hold = null;
        hold.reached();
        await hold.released;
      }
      return actual.readInboxNames(inbox);
    },
  };
});

/** How often an inbox is scanned from now on; `holdNext` keeps the next scan in progress until released. */
function countScans(inbox: string): { scans: () => number; holdNext: () => { reached: Promise<void>; release: () => void } } {
  const before = listings.count.get(inbox) ?? 0;
  return {
    scans: () => (listings.count.get(inbox) ?? 0) - before,
    holdNext: () => {
      let reached = (): void => undefined;
      let release = (): void => undefined;
      const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      listings.hold = { inbox, reached, released };
      return { reached: reachedPromise, release };
    },
  };
}

/** Every request stem in the inbox, and the ones answered (a `.response.json` beside it). */
async function inboxState(identity: string): Promise<{ requests: string[]; answered: Map<string, { status: string; message: string }> }> {
  const inbox = bottlePaths(identity).inbox;
  const names = await readdir(inbox);
  const answered = new Map<string, { status: string; message: string }>();
  for (const name of names.filter((entry) => entry.endsWith('.response.json'))) {
    answered.set(
      name.slice(0, -'.response.json'.length),
      JSON.parse(await readFile(join(inbox, name), 'utf8')) as { status: string; message: string },
    );
  }
  return {
    requests: names.filter((name) => name.endsWith('.json') && !name.endsWith('.response.json')).map((name) => name.slice(0, -5)),
    answered,
  };
}

/*
 * The flood, as an agent in a bottle can make it. How fast 2,000 files settle and how much memory
 * that takes is measured by `npm run bench inbox-flood`; here, what must hold whatever the speed.
 */
describe('an inbox flood', () => {
  it('2,000 tiny requests, one trigger per file: all settled, 20 pending, the rest answered, one scan at a time', async () => {
    const identity = await makeStateBottle('flood-abcde');
    const inbox = bottlePaths(identity).inbox;
    const ids = Array.from({ length: 2000 }, (_, index) => `req-${String(index).padStart(5, '0')}`);
    for (const id of ids) await writeFile(join(inbox, `${id}.json`), requestJson(id, { run: [`echo ${id}`] }));

    // What the watcher does on a flood: one trigger per file event, all at once. The first scan is
    // held in progress meanwhile: no other may start until it ends.
    const counter = countScans(inbox);
    const held = counter.holdNext();
    const triggered = Promise.all(ids.map(() => processInbox(identity)));
    await held.reached;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counter.scans()).toBe(1);
    held.release();
    const results = await triggered;
    expect(results.some(Boolean)).toBe(true);

    // One running and at most one waiting: the 2,000 triggers coalesce into a couple of scans.
    expect(counter.scans()).toBeLessThanOrEqual(3);

    const pending = await listPendingRecords(identity);
    expect(pending.map((record) => record.request.id)).toEqual(ids.slice(0, 20));
    const { requests, answered } = await inboxState(identity);
    expect(requests).toHaveLength(2000);
    for (const id of ids.slice(20)) {
      expect(answered.get(id)).toMatchObject({
        status: 'error',
        message: expect.stringMatching(/^request refused: 20 requests are already waiting for the operator \(at most 20\)/),
      });
    }
    expect(answered.size).toBe(1980);

    // The view carries one summary, not 20 Dockerfiles and diffs; the journal one line per cap, not 1,980.
    const view = await rebuildViewFields(identity);
    expect(view.pendingCount).toBe(20);
    expect(view.pendingRequest).toEqual({ id: 'req-00000', reason: 'need a marker', createdAt: expect.any(String), buildError: null });
    expect(view.warnings).toEqual([
      expect.objectContaining({ file: 'req-00020.json', message: expect.stringMatching(/already waiting .*\(1980 requests refused\)$/) }),
    ]);
    expect((await readHistory(identity)).map((entry) => entry.requestId)).toEqual(['req-00020']);

    // Settled means settled: another pass has nothing left to do.
    expect(await processInbox(identity)).toBe(false);
  });

  it('through the live watcher too: a burst of files ends with every one answered or pending', async () => {
    const identity = await makeStateBottle('watched-abcde');
    const inbox = bottlePaths(identity).inbox;
    const counter = countScans(inbox);
    const held = counter.holdNext();
    const watcher = createInboxWatcher(() => undefined, { rescanMs: 200 });
    try {
      const ids = Array.from({ length: 300 }, (_, index) => `w-${String(index).padStart(4, '0')}`);
      await Promise.all(ids.map((id) => writeFile(join(inbox, `${id}.json`), requestJson(id))));
      // The watcher's first scan held in progress through its file events and a few rescans: no
      // other scan starts meanwhile.
      await held.reached;
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(counter.scans()).toBe(1);
      held.release();
      await eventually(async () => {
        const { answered } = await inboxState(identity);
        const pending = await listPendingRecords(identity);
        expect(answered.size + pending.length).toBe(300);
      }, 60_000);
      expect((await listPendingRecords(identity)).length).toBe(20);
    } finally {
      listings.hold = null;
      watcher.close();
    }
  });

  it('an inbox over its size cap takes no new request in; a bad file still gets its own answer', async () => {
    const identity = await makeStateBottle('full-abcde');
    const inbox = bottlePaths(identity).inbox;
    await writeFile(settingsPath(), JSON.stringify({ maxInboxBytes: '256k' }));
    // Five requests of ~60 KiB each: 300 KiB in all, over the 256 KiB cap.
    const padding = 'x'.repeat(60 * 1024);
    for (let index = 0; index < 5; index += 1)
      await writeFile(join(inbox, `big-${index}.json`), requestJson(`big-${index}`, { reason: 'r', dockerfile: `FROM a\n# ${padding}\n` }));
    await writeFile(join(inbox, 'junk.json'), '{nope');
    await processInbox(identity);
    expect(await listPendingRecords(identity)).toEqual([]);
    const { answered } = await inboxState(identity);
    expect(answered.get('big-0')?.message).toMatch(
      /^request refused: the inbox holds 301 KiB, over its 256 KiB cap: delete old requests and responses from it/,
    );
    expect(answered.get('junk')?.message).toMatch(/not valid JSON/);
  });
});
