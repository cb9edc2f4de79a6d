import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInboxWatcher } from '../../src/core/rebuild/inbox-watcher';
import { observeInboxScans, processInbox } from '../../src/core/rebuild/process-inbox';
import { readHistory } from '../../src/core/rebuild/journal';
import { listPendingRecords } from '../../src/core/rebuild/rebuild-store';
import { rebuildViewFields } from '../../src/core/rebuild/view-fields';
import { bottlePaths, settingsPath } from '../../src/core/state/state-paths';
import { eventually } from '../helpers/docker-exec';
import { makeStateBottle, requestJson } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

/** How often a bottle's inbox is scanned from now on, and the most scans that ever overlapped. */
function countScans(identity: string): { stats: () => { scans: number; mostAtOnce: number }; stop: () => void } {
  let scans = 0;
  let now = 0;
  let mostAtOnce = 0;
  const stop = observeInboxScans((scanned, phase) => {
    if (scanned !== identity) return;
    if (phase === 'start') {
      scans += 1;
      now += 1;
      mostAtOnce = Math.max(mostAtOnce, now);
    } else now -= 1;
  });
  return { stats: () => ({ scans, mostAtOnce }), stop };
}

/** Every request stem in the inbox, and the ones answered (a `.response.json` beside it). */
async function inboxState(identity: string): Promise<{ requests: string[]; answered: Map<string, { status: string; message: string }> }> {
  const inbox = bottlePaths(identity).inbox;
  const names = await readdir(inbox);
  const answered = new Map<string, { status: string; message: string }>();
  for (const name of names.filter((entry) => entry.endsWith('.response.json'))) {
    answered.set(name.slice(0, -'.response.json'.length), JSON.parse(await readFile(join(inbox, name), 'utf8')) as { status: string; message: string });
  }
  return { requests: names.filter((name) => name.endsWith('.json') && !name.endsWith('.response.json')).map((name) => name.slice(0, -5)), answered };
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

    // What the watcher does on a flood: one trigger per file event, all at once.
    const counter = countScans(identity);
    const results = await Promise.all(ids.map(() => processInbox(identity)));
    counter.stop();
    expect(results.some(Boolean)).toBe(true);

    const stats = counter.stats();
    expect(stats.mostAtOnce).toBe(1);
    // One running and at most one waiting: the 2,000 triggers coalesce into a couple of scans.
    expect(stats.scans).toBeLessThanOrEqual(3);

    const pending = await listPendingRecords(identity);
    expect(pending.map((record) => record.request.id)).toEqual(ids.slice(0, 20));
    const { requests, answered } = await inboxState(identity);
    expect(requests).toHaveLength(2000);
    for (const id of ids.slice(20)) {
      expect(answered.get(id)).toMatchObject({ status: 'error', message: expect.stringMatching(/^request refused: 20 requests are already waiting for the operator \(at most 20\)/) });
    }
    expect(answered.size).toBe(1980);

    // The view carries one summary, not 20 Dockerfiles and diffs; the journal one line per cap, not 1,980.
    const view = await rebuildViewFields(identity);
    expect(view.pendingCount).toBe(20);
    expect(view.pendingRequest).toEqual({ id: 'req-00000', reason: 'need a marker', createdAt: expect.any(String), buildError: null });
    expect(view.warnings).toEqual([expect.objectContaining({ file: 'req-00020.json', message: expect.stringMatching(/already waiting .*\(1980 requests refused\)$/) })]);
    expect((await readHistory(identity)).map((entry) => entry.requestId)).toEqual(['req-00020']);

    // Settled means settled: another pass has nothing left to do.
    expect(await processInbox(identity)).toBe(false);
  });

  it('through the live watcher too: a burst of files ends with every one answered or pending', async () => {
    const identity = await makeStateBottle('watched-abcde');
    const inbox = bottlePaths(identity).inbox;
    const counter = countScans(identity);
    const watcher = createInboxWatcher(() => undefined, { rescanMs: 200 });
    try {
      const ids = Array.from({ length: 300 }, (_, index) => `w-${String(index).padStart(4, '0')}`);
      await Promise.all(ids.map((id) => writeFile(join(inbox, `${id}.json`), requestJson(id))));
      await eventually(async () => {
        const { answered } = await inboxState(identity);
        const pending = await listPendingRecords(identity);
        expect(answered.size + pending.length).toBe(300);
      }, 60_000);
      expect((await listPendingRecords(identity)).length).toBe(20);
      expect(counter.stats().mostAtOnce).toBe(1);
    } finally {
      counter.stop();
      watcher.close();
    }
  });

  it('an inbox over its size cap takes no new request in; a bad file still gets its own answer', async () => {
    const identity = await makeStateBottle('full-abcde');
    const inbox = bottlePaths(identity).inbox;
    await writeFile(settingsPath(), JSON.stringify({ maxInboxBytes: '256k' }));
    // Five requests of ~60 KiB each: 300 KiB in all, over the 256 KiB cap.
    const padding = 'x'.repeat(60 * 1024);
    for (let index = 0; index < 5; index += 1) await writeFile(join(inbox, `big-${index}.json`), requestJson(`big-${index}`, { reason: 'r', dockerfile: `FROM a\n# ${padding}\n` }));
    await writeFile(join(inbox, 'junk.json'), '{nope');
    await processInbox(identity);
    expect(await listPendingRecords(identity)).toEqual([]);
    const { answered } = await inboxState(identity);
    expect(answered.get('big-0')?.message).toMatch(/^request refused: the inbox holds 301 KiB, over its 256 KiB cap: delete old requests and responses from it/);
    expect(answered.get('junk')?.message).toMatch(/not valid JSON/);
  });
});
