import { chmod, readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignoreMatcher, takeBaseline } from '../../src/core/changes/baseline';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { CompareCache } from '../../src/core/changes/compare-cache';
import { FolderReader } from '../../src/core/changes/folder-reader';
import type { WorkspaceReader } from '../../src/core/changes/workspace-reader';
import type { FileChange } from '../../src/shared/changes';
import { compareWith, copyTree, git, tempDir, TEST_IDENTITY, useChangesFolders, writeTree } from '../helpers/changes-fixtures';

const ID = TEST_IDENTITY;
const dirs = useChangesFolders();

async function compare(baseline: Baseline, reader: WorkspaceReader, cache?: CompareCache): Promise<FileChange[]> {
  return (await compareWith(baseline, reader, undefined, cache)).changes;
}

/** A past time for every start-of-run file, so nothing counts as modified in the baseline's second. */
async function age(root: string, paths: string[]): Promise<void> {
  const past = new Date(Date.now() - 3600_000);
  for (const path of paths) await utimes(join(root, path), past, past);
}

describe('comparing a workspace with its baseline', () => {
  it('copy mode: lists exactly what the agent added, modified, deleted, renamed, chmodded, linked and wrote as binary', async () => {
    const files = {
      'keep.txt': 'same\n',
      'edit.txt': 'one\ntwo\nthree\n',
      'gone.txt': 'bye\n',
      'move.txt': 'moving\n',
      'run.sh': 'echo hi\n',
      'ignored/x': 'x',
      '.dockerignore': 'ignored\n',
    };
    await writeTree(dirs.project, files);
    await age(dirs.project, Object.keys(files));
    const baseline = await takeBaseline(ID, dirs.project, true);
    expect(Object.keys(baseline.entries).sort()).toEqual(['.dockerignore', 'edit.txt', 'gone.txt', 'keep.txt', 'move.txt', 'run.sh']);
    // Copy mode hashes nothing up front: the project folder is the start-of-run content.
    expect(Object.values(baseline.entries).every((entry) => entry.sha256 === null && !entry.kept)).toBe(true);

    await copyTree(dirs.project, dirs.snapshot);
    await writeFile(join(dirs.snapshot, 'edit.txt'), 'one\n2\nthree\nfour\n');
    await rm(join(dirs.snapshot, 'gone.txt'));
    await rename(join(dirs.snapshot, 'move.txt'), join(dirs.snapshot, 'moved.txt'));
    await chmod(join(dirs.snapshot, 'run.sh'), 0o755);
    await writeFile(join(dirs.snapshot, 'blob.bin'), Buffer.from([0, 1, 2, 3, 255]));
    await symlink('edit.txt', join(dirs.snapshot, 'link'));
    await writeFile(join(dirs.snapshot, 'ignored', 'y'), 'ignored by .dockerignore');
    await writeTree(dirs.snapshot, { '.git/config': 'never compared' });

    const reader = new FolderReader('snapshot', dirs.snapshot, dockerignoreMatcher(baseline.dockerignore));
    const changes = await compare(baseline, reader);
    expect(changes.map((change) => [change.status, change.path, change.oldPath])).toEqual([
      ['added', 'blob.bin', null],
      ['modified', 'edit.txt', null],
      ['deleted', 'gone.txt', null],
      ['added', 'link', null],
      ['renamed', 'moved.txt', 'move.txt'],
      ['mode-changed', 'run.sh', null],
    ]);
    const byPath = Object.fromEntries(changes.map((change) => [change.path, change]));
    expect(byPath['edit.txt']?.diff).toBe('--- a/edit.txt\n+++ b/edit.txt\n@@ -1,3 +1,4 @@\n one\n-two\n+2\n three\n+four\n');
    expect(byPath['edit.txt']).toMatchObject({ insertions: 2, deletions: 1, binary: false });
    expect(byPath['blob.bin']).toMatchObject({ binary: true, diff: null, note: 'binary file' });
    expect(byPath['link']).toMatchObject({ kind: 'symlink', linkTarget: 'edit.txt' });
    expect(byPath['run.sh']).toMatchObject({ oldMode: 0o644, mode: 0o755, diff: null });
    expect(byPath['gone.txt']?.diff).toContain('-bye');
  });

  it('reads a changed file once: an unchanged listing reuses what the last comparison read', async () => {
    await writeTree(dirs.project, { 'a.txt': 'a\n' });
    await age(dirs.project, ['a.txt']);
    const baseline = await takeBaseline(ID, dirs.project, true);
    await copyTree(dirs.project, dirs.snapshot);
    await writeFile(join(dirs.snapshot, 'a.txt'), 'changed\n');
    await utimes(join(dirs.snapshot, 'a.txt'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const inner = new FolderReader('snapshot', dirs.snapshot, undefined);
    const reads: string[] = [];
    const counting: WorkspaceReader = Object.assign(Object.create(inner) as WorkspaceReader, {
      read: (path: string, keep: number) => {
        reads.push(path);
        return inner.read(path, keep);
      },
    });
    const cache = new CompareCache();
    expect((await compare(baseline, counting, cache)).map((change) => change.path)).toEqual(['a.txt']);
    expect((await compare(baseline, counting, cache)).map((change) => change.path)).toEqual(['a.txt']);
    expect(reads).toEqual(['a.txt']);
  });

  it('mount mode: what was there before the start is not a change; what the agent wrote is, with the old content', async () => {
    await writeTree(dirs.project, { 'before.txt': 'was here\n', 'notes.md': 'old line\n' });
    await age(dirs.project, ['before.txt', 'notes.md']);
    const baseline = await takeBaseline(ID, dirs.project, false);
    // Mount mode keeps a copy of what the agent may overwrite.
    expect(baseline.entries['notes.md']).toMatchObject({ kept: true });
    await writeFile(join(dirs.project, 'notes.md'), 'new line\n');
    await writeFile(join(dirs.project, 'agent.txt'), 'written by the agent\n');
    const changes = await compare(baseline, new FolderReader('folder', dirs.project, undefined));
    expect(changes.map((change) => [change.status, change.path])).toEqual([
      ['added', 'agent.txt'],
      ['modified', 'notes.md'],
    ]);
    expect(changes[1]?.diff).toContain('-old line\n+new line');
  });

  it('a git project: clean files are known by their blob ids, dirty ones are hashed and kept', async () => {
    await writeTree(dirs.project, { 'tracked.txt': 'v1\n', 'dirty.txt': 'v1\n', '.gitignore': 'build/\n' });
    await git(dirs.project, 'init', '-q');
    await git(dirs.project, 'add', '.');
    await git(dirs.project, 'commit', '-qm', 'start');
    await writeFile(join(dirs.project, 'dirty.txt'), 'operator edit\n');
    await writeTree(dirs.project, { 'untracked.txt': 'new\n', 'build/out.o': 'artifact' });
    const baseline = await takeBaseline(ID, dirs.project, true);
    expect(baseline.git?.head).toMatch(/^[0-9a-f]{40}$/);
    expect(baseline.entries['tracked.txt']).toMatchObject({
      oid: (await git(dirs.project, 'rev-parse', 'HEAD:tracked.txt')).trim(),
      kept: false,
    });
    expect(baseline.entries['dirty.txt']).toMatchObject({ kept: true });
    expect(baseline.entries['untracked.txt']).toMatchObject({ kept: true });
  });

  it('never reads through a folder the agent swapped for a symlink to somewhere else', async () => {
    const outside = await tempDir('changes-outside-');
    await writeTree(outside, { 'secret.txt': 'host secret\n' });
    await writeTree(dirs.project, { 'dir/secret.txt': 'agent file\n' });
    const reader = new FolderReader('folder', dirs.project, undefined);
    expect([...(await reader.list()).entries.keys()]).toEqual(['dir/secret.txt']);
    await rm(join(dirs.project, 'dir'), { recursive: true });
    await symlink(outside, join(dirs.project, 'dir'));
    expect(await reader.read('dir/secret.txt', 1024)).toBeNull();
    const dest = join(await tempDir('changes-dest-'), 'copy');
    expect((await reader.copyMany([{ path: 'dir/secret.txt', dest, mode: 0o644 }])).get('dir/secret.txt')).toBeNull();
    expect(await readFile(dest).catch(() => null)).toBeNull();
  });
});
