import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeBaseline } from '../../src/core/changes/baseline';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { FolderReader } from '../../src/core/changes/folder-reader';
import { exportChanges, type ExportTarget } from '../../src/core/changes/git-export';
import type { ExportResult } from '../../src/shared/changes';
import {
  compareWith,
  copyTree,
  git,
  tempDir,
  TEST_IDENTITY,
  treeContents,
  useChangesFolders,
  writeTree,
} from '../helpers/changes-fixtures';

const ID = TEST_IDENTITY;
const dirs = useChangesFolders();

async function gitProject(): Promise<Baseline> {
  await writeTree(dirs.project, { 'a.txt': 'a\n', 'b.txt': 'b\n', '.gitignore': 'build/\n' });
  await git(dirs.project, 'init', '-q');
  await git(dirs.project, 'add', '.');
  await git(dirs.project, 'commit', '-qm', 'start');
  // The operator's own uncommitted edit, copied into the bottle but not the agent's work.
  await writeFile(join(dirs.project, 'b.txt'), 'b, operator edit in progress\n');
  const baseline = await takeBaseline(ID, dirs.project, true);
  await copyTree(dirs.project, dirs.snapshot);
  return baseline;
}

async function exportFrom(baseline: Baseline, target: ExportTarget): Promise<ExportResult> {
  const reader = new FolderReader('snapshot', dirs.snapshot, undefined);
  const { changes, listing, base } = await compareWith(baseline, reader);
  return exportChanges(
    {
      identity: ID,
      baseline,
      reader,
      listing,
      changes,
      base,
      agentGitDir: async () => join(dirs.snapshot, '.git'),
      progress: () => undefined,
    },
    target,
  );
}

/** HEAD, branch list, index and status: everything an export must leave as it was. */
async function checkout(): Promise<string[]> {
  return Promise.all([
    git(dirs.project, 'rev-parse', 'HEAD'),
    git(dirs.project, 'symbolic-ref', 'HEAD'),
    git(dirs.project, 'ls-files', '-s'),
    git(dirs.project, 'status', '--porcelain=v1', '--untracked-files=all'),
    readFile(join(dirs.project, 'b.txt'), 'utf8'),
  ]);
}

describe('export: the agent’s work as a git branch or a patch', () => {
  it('a branch with the agent’s two commits and one of its uncommitted changes, the checkout untouched', async () => {
    const baseline = await gitProject();
    await writeFile(join(dirs.snapshot, 'a.txt'), 'a, agent commit 1\n');
    await git(dirs.snapshot, 'commit', '-qm', 'agent 1', 'a.txt');
    await writeTree(dirs.snapshot, { 'c.txt': 'c, agent commit 2\n' });
    await git(dirs.snapshot, 'add', 'c.txt');
    await git(dirs.snapshot, 'commit', '-qm', 'agent 2');
    await writeTree(dirs.snapshot, { 'd.txt': 'uncommitted new file\n', 'build/out.o': 'ignored artifact' });
    await writeFile(join(dirs.snapshot, 'a.txt'), 'a, agent uncommitted\n');
    const before = await checkout();

    const result = await exportFrom(baseline, { branch: 'agent-work' });
    expect(result).toMatchObject({ branch: 'agent-work', commits: 3, uncommitted: true, base: baseline.git?.head });
    expect(await checkout()).toEqual(before);
    expect((await git(dirs.project, 'log', '--format=%s', `${baseline.git?.head ?? ''}..agent-work`)).trim().split('\n')).toEqual([
      `Uncommitted changes from bottle ${ID}`,
      'agent 2',
      'agent 1',
    ]);
    expect(await git(dirs.project, 'show', 'agent-work:a.txt')).toBe('a, agent uncommitted\n');
    expect(await git(dirs.project, 'show', 'agent-work:d.txt')).toBe('uncommitted new file\n');
    // Ignored files stay out, and so does the operator's own uncommitted edit the agent never touched.
    expect(await git(dirs.project, 'ls-tree', '-r', '--name-only', 'agent-work')).toBe('.gitignore\na.txt\nb.txt\nc.txt\nd.txt\n');
    expect(await git(dirs.project, 'show', 'agent-work:b.txt')).toBe('b\n');
  });

  it('refuses an existing or invalid branch, or a folder that is not a repository, writing nothing', async () => {
    const baseline = await gitProject();
    await writeFile(join(dirs.snapshot, 'a.txt'), 'changed\n');
    await git(dirs.project, 'branch', 'taken');
    const refs = await git(dirs.project, 'for-each-ref');
    await expect(exportFrom(baseline, { branch: 'taken' })).rejects.toThrow(/^branch taken already exists in /);
    await expect(exportFrom(baseline, { branch: 'bad..name' })).rejects.toThrow(/^invalid branch name "bad\.\.name"$/);
    await expect(exportFrom(baseline, { branch: '-x' })).rejects.toThrow(/^invalid branch name/);
    expect(await git(dirs.project, 'for-each-ref')).toBe(refs);
    await rm(join(dirs.project, '.git'), { recursive: true });
    await expect(exportFrom(baseline, { branch: 'fresh' })).rejects.toThrow(/is not a git repository/);
    await rm(dirs.project, { recursive: true });
    await expect(exportFrom(baseline, { branch: 'fresh' })).rejects.toThrow(/^the project folder .* is gone$/);
  });

  it('a patch git apply takes: on the start commit it gives the agent’s tree', async () => {
    const baseline = await gitProject();
    await writeFile(join(dirs.snapshot, 'a.txt'), 'a, agent\n');
    await git(dirs.snapshot, 'commit', '-qam', 'agent 1');
    await writeTree(dirs.snapshot, { 'img.bin': Buffer.from([0, 159, 146, 150, 0, 1]) as unknown as string, 'new.txt': 'new\n' });
    const patch = join(await tempDir('export-patch-'), 'work.patch');
    const result = await exportFrom(baseline, { patchFile: patch });
    expect(result).toMatchObject({ branch: null, patchFile: patch, commits: 2 });
    const clone = await tempDir('export-clone-');
    await git(clone, 'clone', '-q', dirs.project, '.');
    await git(clone, 'apply', '--check', patch);
    await git(clone, 'apply', patch);
    const skip = (path: string): boolean => path === 'b.txt' || path.startsWith('build/');
    expect(await treeContents(clone, skip)).toEqual(await treeContents(dirs.snapshot, skip));
    await expect(exportFrom(baseline, { patchFile: patch })).rejects.toThrow(/already exists/);
  });

  it('a project outside git: a patch of the changed files against their start-of-run content', async () => {
    await writeTree(dirs.project, { 'keep.txt': 'keep\n', 'edit.txt': 'one\n', 'sub/del.txt': 'bye\n' });
    const baseline = await takeBaseline(ID, dirs.project, true);
    await copyTree(dirs.project, dirs.snapshot);
    await writeFile(join(dirs.snapshot, 'edit.txt'), 'two\n');
    await rm(join(dirs.snapshot, 'sub', 'del.txt'));
    await writeTree(dirs.snapshot, { 'added.txt': 'hello\n' });
    await expect(exportFrom(baseline, { branch: 'x' })).rejects.toThrow(/is not a git repository/);
    const patch = join(await tempDir('export-patch-'), 'work.patch');
    await exportFrom(baseline, { patchFile: patch });
    const copy = await tempDir('export-copy-');
    await copyTree(dirs.project, copy);
    await git(copy, 'apply', patch);
    expect(await treeContents(copy)).toEqual(await treeContents(dirs.snapshot));
  });
});
