import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readForkedFrom, writeForkedFrom } from '../../src/core/state/forked-from';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useTempHome } from '../helpers/temp-home';

useTempHome();
const FORK = 'worker-abcde';
const family = { parent: 'worker-parnt', checkpoint: '20261204-120000-abcde', at: '2026-12-04T12:00:00.000Z' };

async function withFile(content: string): Promise<void> {
  await mkdir(bottlePaths(FORK).dir, { recursive: true });
  await writeFile(bottlePaths(FORK).forkedFrom, content);
}

describe('forked-from.json (issue 24)', () => {
  it('is written once and read back; a second write fails and keeps the first', async () => {
    await mkdir(bottlePaths(FORK).dir, { recursive: true });
    expect(await readForkedFrom(FORK)).toBeNull();
    await writeForkedFrom(FORK, family);
    expect(await readForkedFrom(FORK)).toEqual(family);
    await expect(writeForkedFrom(FORK, { ...family, parent: 'other-xxxxx' })).rejects.toThrow(/EEXIST/);
    expect(await readForkedFrom(FORK)).toEqual(family);
  });

  it('reads a garbled or hostile file as no family, never throwing', async () => {
    for (const bad of [
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...family, parent: '../../etc' }),
      JSON.stringify({ ...family, parent: 'Evil\u202eName' }),
      JSON.stringify({ ...family, checkpoint: '../x' }),
      JSON.stringify({ ...family, checkpoint: 42 }),
      JSON.stringify({ parent: family.parent }),
      JSON.stringify({ ...family, at: 'x'.repeat(1000) }),
      'x'.repeat(10_000),
    ]) {
      await withFile(bad);
      expect(await readForkedFrom(FORK), bad.slice(0, 40)).toBeNull();
    }
  });

  it('does not follow a link', async () => {
    await mkdir(bottlePaths(FORK).dir, { recursive: true });
    const elsewhere = `${bottlePaths(FORK).dir}/elsewhere.json`;
    await writeFile(elsewhere, JSON.stringify(family));
    await symlink(elsewhere, bottlePaths(FORK).forkedFrom);
    expect(await readForkedFrom(FORK)).toBeNull();
  });
});
