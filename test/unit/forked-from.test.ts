import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FORKED_FROM_FILE, readForkedFrom } from '../../src/core/state/forked-from';
import { stateDir } from '../../src/core/state/state-paths';
import { compareCandidates, forkCount, relationOf } from '../../src/shared/bottle-family';
import { useTempHome } from '../helpers/temp-home';
import { testView } from '../helpers/test-views';

useTempHome();
const FORK = 'dev-child';
const GOOD = { parent: 'dev-parent', checkpoint: '20261204-200000-abcde', at: '2026-12-04T20:00:00.000Z' };

async function write(content: string): Promise<void> {
  await writeFile(join(stateDir(FORK), FORKED_FROM_FILE), content);
}

beforeEach(async () => {
  await mkdir(stateDir(FORK), { recursive: true });
});

describe('forked-from.json (a fork’s parent and checkpoint, issue 24)', () => {
  it('reads the parent, the checkpoint and when', async () => {
    await write(JSON.stringify(GOOD));
    expect(await readForkedFrom(FORK)).toEqual(GOOD);
  });

  it('reads no file, and every garbled or hostile one, as no fork, without throwing', async () => {
    expect(await readForkedFrom(FORK)).toBeNull();
    const hostile = [
      '{"parent": "dev-parent", "checkpoint": ',
      'null',
      '[]',
      JSON.stringify({ ...GOOD, parent: '../../etc' }),
      JSON.stringify({ ...GOOD, parent: 'Dev Parent\u202e' }),
      JSON.stringify({ ...GOOD, parent: FORK }),
      JSON.stringify({ ...GOOD, checkpoint: '../../../etc/passwd' }),
      JSON.stringify({ ...GOOD, at: 'yesterday' }),
      JSON.stringify({ ...GOOD, parent: 42 }),
      JSON.stringify({ ...GOOD, padding: 'x'.repeat(10_000) }),
    ];
    for (const content of hostile) {
      await write(content);
      expect(await readForkedFrom(FORK), content.slice(0, 60)).toBeNull();
    }
    // A link out of the state folder is not followed.
    await writeFile(join(stateDir(FORK), 'elsewhere.json'), JSON.stringify(GOOD));
    await rm(join(stateDir(FORK), FORKED_FROM_FILE));
    await symlink(join(stateDir(FORK), 'elsewhere.json'), join(stateDir(FORK), FORKED_FROM_FILE));
    expect(await readForkedFrom(FORK)).toBeNull();
    expect(await readForkedFrom('../outside')).toBeNull();
  });
});

describe('a bottle’s family, as the cards and Compare with… show it', () => {
  const parent = testView({ identity: 'dev-parent', copyCwd: true });
  const child = testView({ identity: 'dev-child', copyCwd: true, forkedFrom: { parent: 'dev-parent', checkpoint: GOOD.checkpoint } });
  const sibling = testView({ identity: 'dev-sib', copyCwd: true, forkedFrom: { parent: 'dev-parent', checkpoint: GOOD.checkpoint } });
  const unrelated = testView({ identity: 'dev-other', copyCwd: true });
  const mounted = testView({ identity: 'dev-mounted', copyCwd: false });
  const elsewhere = testView({ identity: 'dev-far', copyCwd: true, cwd: '/home/me/other' });
  const all = [unrelated, mounted, elsewhere, sibling, parent, child];

  it('counts a parent’s forks and names each relation', () => {
    expect(forkCount('dev-parent', all)).toBe(2);
    expect(forkCount('dev-child', all)).toBe(0);
    expect(relationOf(child, parent)).toBe('parent');
    expect(relationOf(parent, child)).toBe('child');
    expect(relationOf(child, sibling)).toBe('sibling');
    expect(relationOf(child, unrelated)).toBe('same folder');
  });

  it('offers the other copy-mode bottles of the same folder, family first; a mount-mode bottle none', () => {
    expect(compareCandidates(child, all).map(({ view, relation }) => [view.identity, relation])).toEqual([
      ['dev-parent', 'parent'],
      ['dev-sib', 'sibling'],
      ['dev-other', 'same folder'],
    ]);
    expect(compareCandidates(mounted, all)).toEqual([]);
  });
});
