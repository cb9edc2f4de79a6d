import { link, mkdir, mkdtemp, realpath, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBaseline, recordBaseline } from '../../src/core/changes/baseline';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { verifySnapshot } from '../../src/core/changes/snapshot-proof';
import { walkFolder } from '../../src/core/changes/host-walk';
import { makeStateBottle } from '../helpers/rebuild-fixtures';
import { useTempHome } from '../helpers/temp-home';

useTempHome();

const FILES = { 'a.txt': 'alpha\n', 'b.txt': 'bravo\n', 'sub/c.txt': 'charlie\n' };

/** A project folder and a bottle started from it in copy mode (its baseline taken). */
async function projectAndBaseline(identity: string): Promise<{ project: string; baseline: Baseline }> {
  const project = await mkdtemp(join(tmpdir(), 'claude-bottle-proof-project-'));
  await mkdir(join(project, 'sub'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(project, name), text);
  // Older than the baseline's racy second: the walk takes these stats as they are.
  for (const name of Object.keys(FILES)) await utimes(join(project, name), 1_700_000_000, 1_700_000_000);
  await makeStateBottle(identity);
  await recordBaseline(identity, project, true);
  return { project, baseline: (await readBaseline(identity)) as Baseline };
}

/** A snapshot made of hard links to the project's files, as the forks of one checkpoint share its files. */
async function linkedSnapshot(project: string): Promise<string> {
  const snapshot = await mkdtemp(join(tmpdir(), 'claude-bottle-proof-snapshot-'));
  await mkdir(join(snapshot, 'sub'));
  for (const name of Object.keys(FILES)) await link(join(project, name), join(snapshot, name));
  return snapshot;
}

async function verify(identity: string, baseline: Baseline, snapshot: string): Promise<Awaited<ReturnType<typeof verifySnapshot>>> {
  const walk = await walkFolder(snapshot, undefined);
  return verifySnapshot(identity, baseline, snapshot, await realpath(snapshot), walk.entries.values());
}

describe('the start-of-run proof of forks that share one checkpoint', () => {
  it('reads each shared file once: a sibling linking the same files (their ctime moved) reads none', async () => {
    const { project, baseline } = await projectAndBaseline('proof-first');
    const first = await verify('proof-first', baseline, await linkedSnapshot(project));
    expect(first).toMatchObject({ forged: [], hashed: 3 });
    expect([...first.trusted].sort()).toEqual(['a.txt', 'b.txt', 'sub/c.txt']);
    // A second fork: new links to the same files (each link moves their ctime), its own proof file not written yet.
    await makeStateBottle('proof-second');
    const second = await verify('proof-second', baseline, await linkedSnapshot(project));
    expect(second).toMatchObject({ forged: [], hashed: 0 });
    expect([...second.trusted].sort()).toEqual(['a.txt', 'b.txt', 'sub/c.txt']);
  });

  it('a file put in place of a shared one, same size and time set back, is read and found forged', async () => {
    const { project, baseline } = await projectAndBaseline('proof-forged');
    expect(await verify('proof-forged', baseline, await linkedSnapshot(project))).toMatchObject({ forged: [], hashed: 3 });
    await makeStateBottle('proof-forger');
    const snapshot = await mkdtemp(join(tmpdir(), 'claude-bottle-proof-snapshot-'));
    await mkdir(join(snapshot, 'sub'));
    await link(join(project, 'b.txt'), join(snapshot, 'b.txt'));
    await link(join(project, 'sub/c.txt'), join(snapshot, 'sub/c.txt'));
    await writeFile(join(snapshot, 'a.txt'), 'ALPHA\n');
    const original = await stat(join(project, 'a.txt'));
    await utimes(join(snapshot, 'a.txt'), original.atime, original.mtime);
    const verdicts = await verify('proof-forger', baseline, snapshot);
    expect(verdicts).toMatchObject({ forged: ['a.txt'], hashed: 1 });
  });
});
