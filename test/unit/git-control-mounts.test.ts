import { execFile } from 'node:child_process';
import { readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { gitControlMounts, prepareGitControl, prepareGitControlMounts } from '../../src/core/bottles/git-control-mounts';
import { git, tempDir } from '../helpers/changes-fixtures';

const run = promisify(execFile);
const OWNER = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

async function repository(): Promise<string> {
  const project = await tempDir('git-control-');
  await writeFile(join(project, 'app.txt'), 'v1\n');
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-qm', 'start');
  return project;
}

describe('the read-only mounts over a mount-mode repository’s control files', () => {
  it('covers config, hooks, info and commondir of the repository, its submodules and linked worktrees; every git folder is a mount point', async () => {
    const project = await repository();
    const upstream = await repository();
    await git(project, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'libs/a');
    await git(project, 'commit', '-qm', 'submodule');
    await git(project, 'config', 'extensions.worktreeConfig', 'true');
    await git(project, 'worktree', 'add', '-q', join(await tempDir('git-wt-'), 'wt'));
    await rm(join(project, '.git', 'hooks'), { recursive: true });

    // Before the missing pieces are made, no bottle may start.
    expect(() => gitControlMounts(project)).toThrow(/vanished from the project folder while the bottle was set up/);
    prepareGitControl(project, OWNER);
    expect(await readdir(join(project, '.git', 'hooks'))).toEqual([]);
    expect(await readFile(join(project, '.git', 'commondir'), 'utf8')).toBe('.\n');
    expect(await readFile(join(project, '.git', 'config.worktree'), 'utf8')).toBe('');
    const mounts = gitControlMounts(project);
    const mode = Object.fromEntries(mounts.map((mount) => [mount.path, mount.readOnly ? 'ro' : 'rw']));
    expect(mode).toEqual({
      '.git': 'rw',
      '.git/config': 'ro',
      '.git/config.worktree': 'ro',
      '.git/commondir': 'ro',
      '.git/hooks': 'ro',
      '.git/info': 'ro',
      '.git/modules': 'rw',
      '.git/modules/libs': 'rw',
      '.git/modules/libs/a': 'rw',
      '.git/modules/libs/a/config': 'ro',
      '.git/modules/libs/a/commondir': 'ro',
      '.git/modules/libs/a/hooks': 'ro',
      '.git/modules/libs/a/info': 'ro',
      '.git/worktrees': 'rw',
      '.git/worktrees/wt': 'rw',
      '.git/worktrees/wt/commondir': 'ro',
      '.git/worktrees/wt/gitdir': 'ro',
      '.git/worktrees/wt/config.worktree': 'ro',
      // The checkout of the submodule: its pointer read-only, it and the folders on the way pinned.
      libs: 'rw',
      'libs/a': 'rw',
      'libs/a/.git': 'ro',
    });
    // Made once: a second start changes nothing, and the operator's git still works.
    prepareGitControl(project, OWNER);
    expect(gitControlMounts(project)).toEqual(mounts);
    expect(await git(project, 'status', '--porcelain')).toBe('');
    expect(await git(join(project, 'libs', 'a'), 'log', '--format=%s')).toBe('start\n');
  });

  it('a launch makes what is missing and gets the same mounts in one call, also when nothing is missing', async () => {
    const project = await repository();
    await rm(join(project, '.git', 'hooks'), { recursive: true });
    const made = prepareGitControlMounts(project, OWNER);
    expect(await readdir(join(project, '.git', 'hooks'))).toEqual([]);
    expect(made).toEqual(gitControlMounts(project));
    expect(prepareGitControlMounts(project, OWNER)).toEqual(made);
    const plain = await tempDir('git-control-plain-');
    expect(prepareGitControlMounts(plain, OWNER)).toEqual([{ path: '.git', readOnly: true }]);
    expect(prepareGitControlMounts(plain, OWNER)).toEqual([{ path: '.git', readOnly: true }]);
  });

  it('an old-style submodule (its own .git folder in the work tree) is walled like the top, also when the project is a subfolder', async () => {
    const top = await repository();
    const upstream = await repository();
    await run('git', ['clone', '-q', upstream, join(top, 'pkg', 'vendor', 'lib')]);
    await git(top, '-c', 'advice.addEmbeddedRepo=false', 'add', 'pkg/vendor/lib');
    await git(top, 'commit', '-qm', 'embedded');
    await rm(join(top, 'pkg', 'vendor', 'lib', '.git', 'hooks'), { recursive: true });
    const inner = [
      'vendor',
      'vendor/lib',
      'vendor/lib/.git',
      'vendor/lib/.git/config',
      'vendor/lib/.git/commondir',
      'vendor/lib/.git/hooks',
      'vendor/lib/.git/info',
    ];
    const readOnly = new Set(['vendor/lib/.git/config', 'vendor/lib/.git/commondir', 'vendor/lib/.git/hooks', 'vendor/lib/.git/info']);
    for (const [project, prefix] of [
      [top, 'pkg/'],
      [join(top, 'pkg'), ''],
    ] as const) {
      prepareGitControl(project, OWNER);
      const mounts = gitControlMounts(project).filter((mount) => !mount.path.startsWith('.git'));
      const pinned = prefix === '' ? [] : [{ path: 'pkg', readOnly: false }];
      expect(mounts).toEqual([...pinned, ...inner.map((path) => ({ path: `${prefix}${path}`, readOnly: readOnly.has(path) }))]);
    }
    expect(await readdir(join(top, 'pkg', 'vendor', 'lib', '.git', 'hooks'))).toEqual([]);
    expect(await git(join(top, 'pkg', 'vendor', 'lib'), 'log', '--format=%s')).toBe('start\n');
  });

  it('a .git file (a worktree or submodule checkout) is itself read-only; where there is no .git, an empty read-only one', async () => {
    const project = await repository();
    const linked = join(await tempDir('git-linked-'), 'wt');
    await git(project, 'worktree', 'add', '-q', linked);
    expect(gitControlMounts(linked)).toEqual([{ path: '.git', readOnly: true }]);
    // No repository here (or a subfolder of one): an empty .git, read-only, so the agent cannot make one.
    const plain = await tempDir('no-git-');
    expect(() => gitControlMounts(plain)).toThrow(/\.git vanished/);
    prepareGitControl(plain, OWNER);
    expect(await readdir(join(plain, '.git'))).toEqual([]);
    expect(gitControlMounts(plain)).toEqual([{ path: '.git', readOnly: true }]);
  });

  it('refuses a symlink where a control file should be, rather than mount whatever it points at', async () => {
    const project = await repository();
    const elsewhere = await tempDir('git-elsewhere-');
    await rm(join(project, '.git', 'hooks'), { recursive: true });
    await symlink(elsewhere, join(project, '.git', 'hooks'));
    expect(() => prepareGitControl(project, OWNER)).toThrow(
      /^mount mode cannot protect \.git\/hooks \(it is a symlink\); start the bottle in copy mode$/,
    );
    const moved = await tempDir('git-moved-');
    await run('mv', [join(project, '.git'), join(moved, 'real.git')]);
    await symlink(join(moved, 'real.git'), join(project, '.git'));
    expect(() => gitControlMounts(project)).toThrow(/cannot protect \.git \(it is a symlink\)/);
  });
});
