import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeBaseline } from '../../src/core/changes/baseline';
import { FolderReader } from '../../src/core/changes/folder-reader';
import { NestedRepoCheck } from '../../src/core/changes/nested-repos';
import { git, TEST_IDENTITY, useChangesFolders, writeTree } from '../helpers/changes-fixtures';

const dirs = useChangesFolders();

/** A repository at `path` under the project with one commit; its HEAD. */
async function nestedRepository(path: string): Promise<string> {
  const dir = join(dirs.project, path);
  await writeTree(dir, { 'lib.txt': `${path}\n` });
  await git(dir, 'init', '-q');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-qm', path);
  return (await git(dir, 'rev-parse', 'HEAD')).trim();
}

describe('repositories inside a mount-mode project folder', () => {
  it('tells a submodule the agent added, a recorded commit it changed, a repository it made or rewrote; nothing in copy mode', async () => {
    await writeTree(dirs.project, { 'app.txt': 'v1\n' });
    await git(dirs.project, 'init', '-q');
    for (const path of ['a', 'b']) await nestedRepository(path);
    await git(dirs.project, '-c', 'advice.addEmbeddedRepo=false', 'add', '.');
    await git(dirs.project, 'commit', '-qm', 'start');
    const baseline = await takeBaseline(TEST_IDENTITY, dirs.project, false);
    expect(Object.keys(baseline.gitlinks ?? {})).toEqual(['a', 'b']);
    expect(Object.keys(baseline.nestedGit ?? {}).sort()).toEqual(['a/.git', 'b/.git']);
    const reader = new FolderReader('folder', dirs.project, undefined);
    const check = new NestedRepoCheck();
    expect(await check.findings(baseline, (await reader.list()).gitEntries ?? [])).toEqual([]);

    // What an agent could do with a writable index and work tree.
    await appendFile(join(dirs.project, 'a', '.git', 'config'), '[core]\n\tfsmonitor = "touch /tmp/pwned"\n');
    await writeFile(join(dirs.project, 'b', 'more.txt'), 'more\n');
    await git(join(dirs.project, 'b'), 'add', '.');
    await git(join(dirs.project, 'b'), 'commit', '-qm', 'more');
    await git(dirs.project, 'add', 'b');
    const x = await nestedRepository('x');
    await git(dirs.project, 'update-index', '--add', '--cacheinfo', `160000,${x},x`);
    await nestedRepository('deep/y');
    await mkdir(join(dirs.project, 'z'));
    await writeFile(join(dirs.project, 'z', '.git'), 'gitdir: /elsewhere\n');

    const findings = await check.findings(baseline, (await reader.list()).gitEntries ?? []);
    expect(findings.map(({ path, kind }) => [path, kind])).toEqual([
      ['a', 'changed-repository'],
      ['b', 'changed-gitlink'],
      ['deep/y', 'new-repository'],
      ['x', 'added-gitlink'],
      ['z', 'new-repository'],
    ]);
    expect(findings.find((finding) => finding.path === 'x')?.message).toBe(
      'x: the agent added a git repository as a submodule; your `git status` would run what its config says — inspect it (or remove it) before running git in this folder',
    );
    expect(findings.find((finding) => finding.path === 'z')?.message).toMatch(/^z: the agent made a git repository here \(z\/\.git\)/);

    // The same folder in copy mode is the operator's own: nothing to report.
    const copy = await takeBaseline(TEST_IDENTITY, dirs.project, true);
    expect(await new NestedRepoCheck().findings(copy, (await reader.list()).gitEntries ?? [])).toEqual([]);
  });
});
