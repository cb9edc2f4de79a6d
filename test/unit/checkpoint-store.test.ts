import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointDir,
  checkpointsDir,
  dropCheckpoint,
  listCheckpoints,
  makeStaging,
  newCheckpointId,
} from '../../src/core/checkpoints/checkpoint-store';
import { requireCheckpointName } from '../../src/core/services/checkpoint-service';
import { isCheckpointId, type CheckpointView } from '../../src/shared/checkpoints';
import { useTempHome } from '../helpers/temp-home';

useTempHome();
const IDENTITY = 'worker-abcde';

function manifest(id: string, at: string, name: string | null = null): CheckpointView {
  return {
    version: 1,
    id,
    identity: IDENTITY,
    name,
    at,
    source: 'running',
    pausedMs: 12,
    image: { reference: 'img:1', id: 'sha256:1' },
    dockerfile: 'agent',
    saved: { workspace: true, transcript: false, dockerfile: true },
    sizes: { workspace: 10, transcript: 0, total: 20 },
    git: null,
  };
}

async function writeCheckpoint(view: CheckpointView): Promise<void> {
  const dir = checkpointDir(IDENTITY, view.id);
  await mkdir(join(dir, 'workspace'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(view));
}

describe('checkpoint store', () => {
  it('ids sort by time and are safe folder names; anything else is refused before a path is built', () => {
    const id = newCheckpointId(new Date('2026-12-04T16:24:05.123Z'));
    expect(id).toMatch(/^20261204-162405-[a-z0-9]{5}$/);
    expect(isCheckpointId(id)).toBe(true);
    for (const bad of ['../x', '20261204-162405-ABCDE', '20261204-162405-abcde/..', ''])
      expect(() => checkpointDir(IDENTITY, bad)).toThrow(/invalid checkpoint id/);
  });

  it('lists only whole checkpoints, oldest first: a staging folder, a folder without a manifest or with a stranger’s are left out', async () => {
    await writeCheckpoint(manifest('20261204-120000-bbbbb', '2026-12-04T12:00:00.000Z', 'later'));
    await writeCheckpoint(manifest('20261204-110000-aaaaa', '2026-12-04T11:00:00.000Z'));
    // Killed while it was taken: its staging folder holds a manifest, and it is still not listed.
    const { staging } = await makeStaging(IDENTITY);
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest('20261204-130000-ccccc', '2026-12-04T13:00:00.000Z')));
    await mkdir(join(checkpointsDir(IDENTITY), '20261204-140000-ddddd'), { recursive: true });
    await mkdir(join(checkpointsDir(IDENTITY), '20261204-150000-eeeee'), { recursive: true });
    await writeFile(
      join(checkpointsDir(IDENTITY), '20261204-150000-eeeee', 'manifest.json'),
      JSON.stringify({ ...manifest('20261204-150000-eeeee', '2026-12-04T15:00:00.000Z'), identity: 'other-fffff' }),
    );
    expect((await listCheckpoints(IDENTITY)).map((view) => [view.id, view.name])).toEqual([
      ['20261204-110000-aaaaa', null],
      ['20261204-120000-bbbbb', 'later'],
    ]);
  });

  it('a staging folder of a process that is gone is swept by the next checkpoint; a live one is kept', async () => {
    const dir = checkpointsDir(IDENTITY);
    await mkdir(join(dir, '.tmp-checkpoint-999999999-0123456789ab', 'workspace'), { recursive: true });
    const mine = await makeStaging(IDENTITY);
    // The dead process's checkpoint may have left the container paused: the next one is told.
    expect(mine.killedMidway).toBe(true);
    const next = await makeStaging(IDENTITY);
    expect(next.killedMidway).toBe(false);
    expect((await readdir(dir)).sort()).toEqual([mine.staging, next.staging].map((path) => path.slice(dir.length + 1)).sort());
  });

  it('drop removes the checkpoint whole; one that does not exist is refused', async () => {
    await writeCheckpoint(manifest('20261204-110000-aaaaa', '2026-12-04T11:00:00.000Z'));
    await dropCheckpoint(IDENTITY, '20261204-110000-aaaaa');
    expect(await readdir(checkpointsDir(IDENTITY))).toEqual([]);
    await expect(dropCheckpoint(IDENTITY, '20261204-110000-aaaaa')).rejects.toThrow(/has no checkpoint 20261204-110000-aaaaa/);
  });

  it('names: 1 to 100 characters, no control, bidi or invisible characters', () => {
    expect(requireCheckpointName('before the refactor ✓')).toBe('before the refactor ✓');
    expect(requireCheckpointName('x'.repeat(100))).toHaveLength(100);
    expect(() => requireCheckpointName('x'.repeat(101))).toThrow(/at most 100 characters/);
    expect(() => requireCheckpointName('')).toThrow(/cannot be empty/);
    for (const bad of ['a\nb', 'a\u001b[2Jb', 'a\u202eb', 'a\u200bb', 'a\u0085b'])
      expect(() => requireCheckpointName(bad)).toThrow(/control, bidi or invisible/);
  });
});
