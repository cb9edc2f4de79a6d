import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import { writeEngineRecord } from '../../src/core/state/bottle-engine';
import { markReadyToResume } from '../../src/core/state/lifecycle-marker';
import { writeMetadata } from '../../src/core/state/metadata';
import { bottlePaths, stateScanCachePath } from '../../src/core/state/state-paths';
import { StateScanCache } from '../../src/core/state/state-scan-cache';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

/** A pass that takes the folders a test just made for old ones (real passes leave out what changed in the last 2 s). */
const later = (): StateScanCache => new StateScanCache(Date.now() + 60_000);

/**
 * Keeps the bottle's scan in the cache file, then rewrites its kept agent name: a listing that
 * shows `from-cache` used the kept scan; one that shows the real name read the folder.
 */
async function keepPoisonedScan(identity: string): Promise<void> {
  const cache = later();
  expect(cache.scan(identity)).toMatchObject({ status: 'ok', metadata: { agent_name: 'unit' } });
  await cache.save();
  const file = JSON.parse(await readFile(stateScanCachePath(), 'utf8')) as {
    scans: Record<string, { entry: { metadata: { agent_name: string } } }>;
  };
  const kept = file.scans[identity];
  if (kept === undefined) throw new Error(`no kept scan of ${identity}`);
  kept.entry.metadata.agent_name = 'from-cache';
  await writeFile(stateScanCachePath(), JSON.stringify(file));
}

/**
 * Returns once the file system's clock has moved past the folder's last change: file times tick
 * coarsely, and a change in the same tick as the kept scan is what the racy rule (tested below) is for.
 */
async function fileClockPast(identity: string): Promise<void> {
  const changed = (await lstat(bottlePaths(identity).dir)).ctimeMs;
  const probe = join(bottlePaths(identity).dir, '..', '.clock-probe');
  for (;;) {
    await writeFile(probe, 'tick');
    if ((await lstat(probe)).ctimeMs > changed) break;
  }
  await rm(probe);
}

const agentOf = async (identity: string): Promise<string | null | undefined> => {
  const core = createCore();
  try {
    return (await core.bottles.listFresh()).bottles.find((view) => view.identity === identity)?.agentName;
  } finally {
    await core.close();
  }
};

describe('the folder scans a listing keeps for the next one (issue 23)', () => {
  it('are used by a listing while the folder is unchanged, and read again once another process changed it', async () => {
    const identity = await makeStateBottle('kept-abcde');
    await keepPoisonedScan(identity);
    expect(await agentOf(identity)).toBe('from-cache');

    await fileClockPast(identity);
    await markReadyToResume(identity, 'stopped');
    expect(await agentOf(identity)).toBe('unit');
  });

  const changes: [string, (identity: string) => Promise<void>][] = [
    // Same size, rewritten in place (not by rename): only metadata.json's own stamp tells.
    ['metadata.json rewritten in place', rewriteMetadataInPlace],
    ['metadata.json replaced by rename', async (identity) => void (await writeMetadata(metadataOf(identity, 'dunn')))],
    ['engine.json written', (identity) => writeEngineRecord(identity, 'other-engine')],
    ['a file added', (identity) => writeFile(bottlePaths(identity).options, '{}')],
    ['its inbox folder removed', (identity) => rm(bottlePaths(identity).inbox, { recursive: true })],
  ];
  it.each(changes)('read again after: %s', async (_name, change) => {
    const identity = await makeStateBottle('changed-abcde');
    await keepPoisonedScan(identity);
    expect(later().scan(identity)).toMatchObject({ metadata: { agent_name: 'from-cache' } });
    await fileClockPast(identity);
    await change(identity);
    expect(later().scan(identity)).not.toMatchObject({ metadata: { agent_name: 'from-cache' } });
  });

  it('are read again after the folder was removed and made anew under the same name', async () => {
    const identity = await makeStateBottle('again-abcde');
    await keepPoisonedScan(identity);
    await fileClockPast(identity);
    await rm(bottlePaths(identity).dir, { recursive: true });
    await makeStateBottle(identity);
    expect(later().scan(identity)).toMatchObject({ metadata: { agent_name: 'unit' } });
  });

  it('leave out a folder changed in the last moments before the listing (its stamp could still change in the same tick)', async () => {
    const identity = await makeStateBottle('racy-abcde');
    const cache = new StateScanCache();
    expect(cache.scan(identity)).toMatchObject({ status: 'ok' });
    await cache.save();
    const file = JSON.parse(await readFile(stateScanCachePath(), 'utf8')) as { scans: Record<string, unknown> };
    expect(file.scans[identity]).toBeUndefined();
  });

  it('forget a bottle that is gone, and list nothing for it', async () => {
    const identity = await makeStateBottle('gone-abcde');
    await keepPoisonedScan(identity);
    await rm(bottlePaths(identity).dir, { recursive: true });
    expect(await agentOf(identity)).toBeUndefined();
    const file = JSON.parse(await readFile(stateScanCachePath(), 'utf8')) as { scans: Record<string, unknown> };
    expect(file.scans[identity]).toBeUndefined();
  });

  it('are ignored whole when the file is damaged or not ours, and the listing reads every folder', async () => {
    const identity = await makeStateBottle('damaged-abcde');
    await mkdir(join(stateScanCachePath(), '..'), { recursive: true });
    for (const text of [
      '{not json',
      JSON.stringify({ version: 99, scans: {} }),
      JSON.stringify({ version: 1, root: '/elsewhere', scans: {} }),
    ]) {
      await writeFile(stateScanCachePath(), text);
      expect(await agentOf(identity)).toBe('unit');
    }
    // A kept scan that names another bottle than its key is not used for either.
    await keepPoisonedScan(identity);
    const file = JSON.parse(await readFile(stateScanCachePath(), 'utf8')) as { scans: Record<string, { entry: { identity: string } }> };
    const kept = file.scans[identity];
    if (kept === undefined) throw new Error('no kept scan');
    kept.entry.identity = 'other-abcde';
    await writeFile(stateScanCachePath(), JSON.stringify(file));
    expect(await agentOf(identity)).toBe('unit');
  });
});

async function rewriteMetadataInPlace(identity: string): Promise<void> {
  const path = bottlePaths(identity).metadata;
  const text = await readFile(path, 'utf8');
  const renamed = text.replace('"unit"', '"tinu"');
  expect(renamed.length).toBe(text.length);
  await writeFile(path, renamed);
}

function metadataOf(identity: string, agent: string): Parameters<typeof writeMetadata>[0] {
  return { identity, agent_name: agent, cwd: '', copy_cwd: true, started_at: '2026-11-25T00:00:00+00:00' };
}
