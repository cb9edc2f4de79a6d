import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { gitInBottle, writeGitTestAgent } from '../helpers/git-agent';
import { runCli } from '../helpers/run-cli';

const env = useBottleTestEnv();
const run = promisify(execFile);
let project = '';
let markers = '';
beforeEach(async () => {
  project = env.project();
  // Every planted command touches a file here: it must stay empty.
  markers = await tempDir('git-markers-');
  await writeGitTestAgent();
});

/** The operator's own git, as they would type it: their config, no protection of ours. */
async function operatorGit(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd })).stdout;
}

async function startBottle(copy: boolean): Promise<string> {
  const started = await runCli(['start', 'gitter', '--cwd', project, ...(copy ? ['--copy'] : []), '--detach', '--json']);
  expect(started.code, started.stderr).toBe(0);
  return (JSON.parse(started.stdout) as BottleView).identity;
}

async function inBottle(identity: string, script: string): Promise<{ output: string; exitCode: number }> {
  return execIn(await bottleContainer(identity), ['sh', '-c', `cd /workspace && ${script}`]);
}

const g = (...args: string[]): string =>
  gitInBottle(...args)
    .map((arg) => `'${arg}'`)
    .join(' ');
const hook = (name: string): string => `#!/bin/sh\ntouch ${markers}/${name}\n`;

/** A project repository with a submodule and a linked worktree, hooks/ and info/ removed. */
async function hostileReadyProject(): Promise<{ worktree: string; controls: string[] }> {
  const upstream = await tempDir('git-upstream-');
  await writeTree(upstream, { 'lib.txt': 'lib\n' });
  await git(upstream, 'init', '-q');
  await git(upstream, 'add', '.');
  await git(upstream, 'commit', '-qm', 'lib');
  await writeTree(project, { 'app.txt': 'v1\n' });
  await git(project, 'init', '-q');
  await git(project, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'sub');
  await git(project, 'add', '.');
  await git(project, 'commit', '-qm', 'start');
  const worktree = join(await tempDir('git-worktree-'), 'wt');
  await git(project, 'worktree', 'add', '-q', worktree, '-b', 'side');
  // The walls must hold where git init's folders are missing too: nothing may create them in the bottle.
  await run('rm', ['-rf', join(project, '.git', 'hooks'), join(project, '.git', 'info'), join(project, '.git', 'modules', 'sub', 'hooks')]);
  return { worktree, controls: ['.git/config', '.git/modules/sub/config', '.git/worktrees/wt/commondir', '.git/worktrees/wt/gitdir'] };
}

async function contents(paths: string[]): Promise<string[]> {
  return Promise.all(paths.map((path) => readFile(join(project, path), 'utf8')));
}

describe.skipIf(skipWithoutDocker)('a hostile agent and the operator’s repository, on a real engine', () => {
  it(
    'mount mode: config, hooks, commondir and the rename of .git are walled off; git status and export run nothing; the agent still commits',
    { timeout: 300_000 },
    async () => {
      const { worktree, controls } = await hostileReadyProject();
      const before = await contents(controls);
      const identity = await startBottle(false);

      const fsmonitor = `[core]\n\tfsmonitor = "touch ${markers}/fsmonitor; false"\n\thooksPath = /workspace/planted\n[include]\n\tpath = /workspace/planted.cfg\n`;
      const attacks: [string, string][] = [
        ['fsmonitor, hooksPath, include in .git/config', `printf '${fsmonitor}' >> .git/config`],
        ['a new hooks folder', 'mkdir .git/hooks/x'],
        ['hooks/post-checkout', `printf '${hook('post-checkout')}' > .git/hooks/post-checkout && chmod +x .git/hooks/post-checkout`],
        ['hooks/pre-commit', `printf '${hook('pre-commit')}' > .git/hooks/pre-commit`],
        ['hooks/reference-transaction', `printf '${hook('reference-transaction')}' > .git/hooks/reference-transaction`],
        ['hooks moved aside', 'mv .git/hooks .git/hooks-away'],
        ['info/attributes', "echo '* filter=evil' > .git/info/attributes"],
        ['commondir sends git to a config of the agent', 'echo ../planted-git > .git/commondir'],
        ['config removed', 'rm -f .git/config'],
        ['.git renamed away (for a fresh one)', 'mv .git .git-away'],
        ['the submodule’s config', `printf '${fsmonitor}' >> .git/modules/sub/config`],
        ['the submodule’s hooks', `printf '${hook('sub-post-checkout')}' > .git/modules/sub/hooks/post-checkout`],
        ['the submodule’s gitdir renamed away', 'mv .git/modules/sub .git/modules/sub-away'],
        ['modules/ renamed away', 'mv .git/modules .git/modules-away'],
        ['the submodule’s commondir', 'echo ../../../planted-git > .git/modules/sub/commondir'],
        ['the linked worktree’s commondir', 'echo /workspace/planted-git > .git/worktrees/wt/commondir'],
        ['worktrees/ renamed away', 'mv .git/worktrees .git/worktrees-away'],
      ];
      for (const [what, script] of attacks) {
        const result = await inBottle(identity, script);
        expect(result.exitCode, `${what} should have failed: ${result.output}`).not.toBe(0);
        // Refused by the wall itself (a read-only mount, or a mount point that cannot move), not by chance.
        expect(result.output, what).toMatch(/read-only file system|resource busy/i);
      }

      // The agent still commits: objects, refs, index, HEAD and logs are writable.
      const commit = await inBottle(identity, `echo agent > work.txt && ${g('add', 'work.txt')} && ${g('commit', '-qm', 'agent work')}`);
      expect(commit.exitCode, commit.output).toBe(0);
      expect((await operatorGit(project, 'log', '-1', '--format=%s')).trim()).toBe('agent work');

      // On the host: nothing planted, and what the walls needed made is what git init makes.
      expect(await contents(controls)).toEqual(before);
      expect(await readdir(join(project, '.git', 'hooks'))).toEqual([]);
      expect(await readdir(join(project, '.git', 'info'))).toEqual([]);
      expect(await readFile(join(project, '.git', 'commondir'), 'utf8')).toBe('.\n');
      expect((await stat(join(project, '.git'))).isDirectory()).toBe(true);
      await operatorGit(project, 'status');
      await operatorGit(join(project, 'sub'), 'status');
      await operatorGit(worktree, 'status');
      const exported = await runCli(['export', identity, '--branch', 'agent/out']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(await readdir(markers)).toEqual([]);
    },
  );

  it(
    'mount mode on a subfolder of a repository: the agent cannot make a .git of its own there for the operator’s next git status',
    { timeout: 300_000 },
    async () => {
      await writeTree(project, { 'pkg/app.txt': 'v1\n' });
      await git(project, 'init', '-q');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      const top = project;
      project = join(top, 'pkg');
      const identity = await startBottle(false);
      const ownRepository = [
        'mkdir -p .git/objects .git/refs',
        "echo 'ref: refs/heads/main' > .git/HEAD",
        `printf '[core]\\n\\trepositoryformatversion = 0\\n\\tfsmonitor = "touch ${markers}/fsmonitor; false"\\n' > .git/config`,
      ].join(' && ');
      for (const script of [ownRepository, 'rmdir .git', 'mv .git .git-away']) {
        const result = await inBottle(identity, script);
        expect(result.exitCode, result.output).not.toBe(0);
        expect(result.output).toMatch(/read-only file system|resource busy/i);
      }
      // What stands there is an empty folder git passes over: the operator's repository is still the one above.
      expect(await readdir(join(project, '.git'))).toEqual([]);
      expect((await operatorGit(project, 'rev-parse', '--show-toplevel')).trim()).toBe(top);
      await writeFile(join(project, 'app.txt'), 'v2\n');
      expect(await operatorGit(project, 'status', '--porcelain')).toBe(' M pkg/app.txt\n');
      expect(await readdir(markers)).toEqual([]);
    },
  );

  it(
    'a repository whose hooks and fsmonitor were planted already: start, diff and export --branch run none of them',
    { timeout: 300_000 },
    async () => {
      await writeTree(project, { 'app.txt': 'v1\n' });
      await git(project, 'init', '-q');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      // As an agent of an earlier version, or a hostile clone, would have left it.
      await writeFile(
        join(project, '.git', 'config'),
        `${await readFile(join(project, '.git', 'config'), 'utf8')}[core]\n\tfsmonitor = "touch ${markers}/fsmonitor; false"\n[diff]\n\texternal = "touch ${markers}/diff-external"\n`,
      );
      for (const name of ['reference-transaction', 'post-checkout', 'pre-commit', 'post-index-change', 'pre-auto-gc']) {
        await writeFile(join(project, '.git', 'hooks', name), hook(name));
        await chmod(join(project, '.git', 'hooks', name), 0o755);
      }
      const identity = await startBottle(false);
      expect(
        (
          await inBottle(
            identity,
            `echo v2 > app.txt && ${g('-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', 'commit', '-qam', 'agent v2')}`,
          )
        ).exitCode,
      ).toBe(0);
      const diff = await runCli(['diff', identity]);
      expect(diff.code, diff.stderr).toBe(0);
      const exported = await runCli(['export', identity, '--branch', 'agent/out']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(await git(project, 'show', 'agent/out:app.txt')).toBe('v2\n');
      expect(await readdir(markers)).toEqual([]);
    },
  );

  it(
    'copy mode: the bottle’s own .git (fsmonitor, hooksPath, hooks, filter and textconv drivers) runs nothing at export',
    { timeout: 300_000 },
    async () => {
      await writeTree(project, { 'app.txt': 'v1\n' });
      await git(project, 'init', '-q');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      const identity = await startBottle(true);
      expect((await inBottle(identity, `echo v2 > app.txt && ${g('commit', '-qam', 'agent v2')}`)).exitCode).toBe(0);
      const config = [
        '[core]',
        `\tfsmonitor = "touch ${markers}/fsmonitor; false"`,
        '\thooksPath = .git/planted-hooks',
        '[filter "evil"]',
        `\tclean = "touch ${markers}/clean; cat"`,
        `\tsmudge = "touch ${markers}/smudge; cat"`,
        `\tprocess = "touch ${markers}/process"`,
        '[diff "evil"]',
        `\ttextconv = "touch ${markers}/textconv; cat"`,
        '',
      ].join('\\n');
      const plant = [
        `printf '${config}' >> .git/config`,
        'mkdir -p .git/planted-hooks',
        ...['reference-transaction', 'post-checkout', 'pre-commit', 'post-index-change'].flatMap((name) => [
          `printf '${hook(name)}' > .git/hooks/${name}`,
          `cp .git/hooks/${name} .git/planted-hooks/${name}`,
          `chmod +x .git/hooks/${name} .git/planted-hooks/${name}`,
        ]),
        "printf '* filter=evil diff=evil\\n' > .git/info/attributes",
        "printf '* filter=evil diff=evil\\n' > .gitattributes",
        'echo v3 > app.txt',
      ].join(' && ');
      const planted = await inBottle(identity, plant);
      expect(planted.exitCode, planted.output).toBe(0);
      const exported = await runCli(['export', identity, '--branch', 'agent/out']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(await git(project, 'show', 'agent/out:app.txt')).toBe('v3\n');
      const patch = join(await tempDir('git-patch-'), 'agent.patch');
      expect((await runCli(['export', identity, '--patch', patch])).code).toBe(0);
      expect(await readdir(markers)).toEqual([]);
    },
  );

  it('copy mode: a .git over the snapshot cap is refused in one line, nothing left in the temp folder', { timeout: 300_000 }, async () => {
    await writeTree(project, { 'app.txt': 'v1\n' });
    await git(project, 'init', '-q');
    await git(project, 'add', '.');
    await git(project, 'commit', '-qm', 'start');
    const identity = await startBottle(true);
    const filled = await inBottle(
      identity,
      'dd if=/dev/urandom of=.git/objects/pack/filler bs=1024 count=3072 2>/dev/null && echo v2 > app.txt',
    );
    expect(filled.exitCode, filled.output).toBe(0);
    const temp = await tempDir('git-export-tmp-');
    const refs = await git(project, 'for-each-ref');
    const refused = await runCli(['export', identity, '--branch', 'agent/out'], { CLAUDE_BOTTLE_MAX_SNAPSHOT: '1M', TMPDIR: temp });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^claude-bottle: the bottle's \.git is larger than the 1 MiB snapshot cap \(CLAUDE_BOTTLE_MAX_SNAPSHOT, or maxSnapshotBytes in .*\); nothing was exported\n$/,
    );
    expect(await readdir(temp)).toEqual([]);
    expect(await git(project, 'for-each-ref')).toBe(refs);
    // Under a cap it fits, the same export works.
    const fits = await runCli(['export', identity, '--branch', 'agent/out'], { CLAUDE_BOTTLE_MAX_SNAPSHOT: '64M', TMPDIR: temp });
    expect(fits.code, fits.stderr).toBe(0);
    expect(await readdir(temp)).toEqual([]);
  });
});
