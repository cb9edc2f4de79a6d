import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { bottlePaths } from '../../src/core/state/state-paths';
import { makeStateBottle, requestJson } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const status = { version: 1, state: 'working', tool: 'Bash', detail: 'npm test', at: '2026-12-03T22:00:00Z' };

/*
 * A listing reads each bottle folder once before settling its inbox (to pass over the steps a bottle
 * has nothing for) and keeps that reading only for a bottle its settling cannot have written to.
 * What another process wrote between two listings, and what a settling writes, must show in the
 * very listing that settled it: never the folder as it was before.
 */
describe('a listing over bottles settled from one reading of their folders', () => {
  it('shows a request and a status report that arrived, in another process, in a bottle that had no inbox at the last listing', async () => {
    const identity = await makeStateBottle('late-abcde');
    const quiet = await makeStateBottle('quiet-abcde');
    // No inbox and no rebuild folder: the bottle a listing settles without reading anything.
    await rm(bottlePaths(identity).inbox, { recursive: true });
    await rm(bottlePaths(quiet).inbox, { recursive: true });
    const core = createCore();
    try {
      const before = (await core.bottles.listFresh()).bottles.find((view) => view.identity === identity);
      expect(before).toMatchObject({ pendingCount: 0, pendingRequest: null, agentStatus: null });

      // Another process (the agent through its mount, another CLI) writes between two listings.
      await mkdir(bottlePaths(identity).inbox);
      await writeFile(join(bottlePaths(identity).inbox, 'req-1-a.json'), requestJson('req-1-a'));
      await writeFile(join(bottlePaths(identity).inbox, '.agent-status'), JSON.stringify(status));

      const { bottles } = await core.bottles.listFresh();
      // Taken in by this listing's settling (a rebuild folder and agent-status.json it just wrote), and shown by it.
      expect(bottles.find((view) => view.identity === identity)).toMatchObject({
        pendingCount: 1,
        pendingRequest: { id: 'req-1-a', reason: 'need a marker' },
        agentStatus: { state: 'working', tool: 'Bash', detail: 'npm test' },
      });
      expect(bottles.find((view) => view.identity === quiet)).toMatchObject({ pendingCount: 0, agentStatus: null });
    } finally {
      await core.close();
    }
  });

  it('shows a bottle whose folder another process changed after the last listing as it is now', async () => {
    const identity = await makeStateBottle('moved-abcde');
    await rm(bottlePaths(identity).inbox, { recursive: true });
    const core = createCore();
    try {
      expect((await core.bottles.listFresh()).bottles.find((view) => view.identity === identity)).toMatchObject({
        name: null,
        status: 'missing-container',
      });
      // Its options and a stop's marker, written by another process.
      await writeFile(bottlePaths(identity).options, JSON.stringify({ version: 1, autonomous: false, name: 'renamed', task: null }));
      await writeFile(bottlePaths(identity).readyMarker, JSON.stringify({ reason: 'stopped' }));
      expect((await core.bottles.listFresh()).bottles.find((view) => view.identity === identity)).toMatchObject({
        name: 'renamed',
        status: 'ready-to-resume',
      });
    } finally {
      await core.close();
    }
  });
});
