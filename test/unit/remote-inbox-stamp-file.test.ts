import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RemoteInboxStamps } from '../../src/core/rebuild/remote-inbox';
import { keepStamps, loadKeptStamps } from '../../src/core/rebuild/remote-inbox-stamp-file';
import { remoteInboxStampsPath, stateRoot } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const seen = (stamp: string, confirmed = true): { stamp: string; readAt: number; confirmed: boolean } => ({
  stamp,
  readAt: 1_700_000_000_000,
  confirmed,
});

/*
 * What one process saw of remote inboxes is kept for the next (issue 23: `ls` is a new process each
 * time). The next one trusts a kept stamp exactly as its own (syncRemoteInbox): these check that it
 * gets back what was kept, for the bottles still there, and nothing from a file that is not whole.
 */
describe('remote inbox stamps kept across processes', () => {
  it('come back in the next process for the bottles still listed, and a process keeps its own newer ones', async () => {
    const first = new RemoteInboxStamps();
    first.set('rem-aaaaa', seen('c1/1700000000/4096'));
    first.set('gone-aaaaa', seen('c2/1700000000/4096'));
    await keepStamps(first, new Set(['rem-aaaaa', 'loc-aaaaa']), loadKeptStamps(new RemoteInboxStamps()));

    const next = new RemoteInboxStamps();
    next.set('loc-aaaaa', seen('c3/1700000001/4096', false));
    loadKeptStamps(next);
    expect(next.get('rem-aaaaa')).toEqual(seen('c1/1700000000/4096'));
    expect(next.get('gone-aaaaa')).toBeUndefined();
    expect(next.get('loc-aaaaa')).toEqual(seen('c3/1700000001/4096', false));
  });

  it('are not written by a pass that saw no remote bottle', async () => {
    await keepStamps(new RemoteInboxStamps(), new Set(['loc-aaaaa']), loadKeptStamps(new RemoteInboxStamps()));
    await expect(access(remoteInboxStampsPath())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fill nothing from a damaged or foreign file, nor from entries of the wrong shape', async () => {
    await mkdir(dirname(remoteInboxStampsPath()), { recursive: true });
    const files = [
      '{not json',
      JSON.stringify({ version: 2, root: stateRoot(), stamps: { 'rem-aaaaa': seen('x') } }),
      JSON.stringify({ version: 1, root: '/elsewhere', stamps: { 'rem-aaaaa': seen('x') } }),
      JSON.stringify({ version: 1, root: stateRoot(), stamps: { 'rem-aaaaa': { stamp: 'x', readAt: 'soon', confirmed: true } } }),
    ];
    for (const text of files) {
      await writeFile(remoteInboxStampsPath(), text);
      const stamps = new RemoteInboxStamps();
      loadKeptStamps(stamps);
      expect(stamps.size()).toBe(0);
    }
  });
});
