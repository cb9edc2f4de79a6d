import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ChangeSet } from '../../src/shared/changes';
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
  // Every planted command touches a file here.
  markers = await tempDir('git-markers-');
  await writeGitTestAgent();
});

/** The operator's own git, as they would type it: their config, no protection of ours. */
async function operatorGit(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd })).stdout;
}

async function startBottle(): Promise<string> {
  const started = await runCli(['start', 'gitter', '--cwd', project, '--detach', '--json']);
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
const fsmonitor = (name: string): string => `[core]\\n\\tfsmonitor = "touch ${markers}/${name}; false"\\n`;

async function diffJson(identity: string): Promise<ChangeSet> {
  const diff = await runCli(['diff', identity, '--json']);
  expect(diff.code, diff.stderr).toBe(0);
  return JSON.parse(diff.stdout) as ChangeSet;
}

async function branches(): Promise<string> {
  return operatorGit(project, 'for-each-ref', '--format=%(refname)', 'refs/heads');
}

describe.skipIf(skipWithoutDocker)('a hostile agent and the submodules of the operator’s repository, on a real engine', () => {
  it(
    'mount mode: the submodules checked out at the start are walled like the top repository; git status runs nothing',
    { timeout: 300_000 },
    async () => {
      const upstream = await tempDir('git-upstream-');
      await writeTree(upstream, { 'lib.txt': 'lib\n' });
      await git(upstream, 'init', '-q');
      await git(upstream, 'add', '.');
      await git(upstream, 'commit', '-qm', 'lib');
      await writeTree(project, { 'app.txt': 'v1\n' });
      await git(project, 'init', '-q');
      // An old-style submodule: its own .git folder in the work tree (a clone, added as a gitlink).
      await run('git', ['clone', '-q', upstream, join(project, 'vendor', 'lib')]);
      await git(project, '-c', 'advice.addEmbeddedRepo=false', 'add', 'vendor/lib');
      // A modern one: a `.git` file pointing into .git/modules.
      await git(project, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'sub');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      const controls = ['vendor/lib/.git/config', 'sub/.git'];
      const before = await Promise.all(controls.map((path) => readFile(join(project, path), 'utf8')));
      const identity = await startBottle();

      const attacks: [string, string][] = [
        ['fsmonitor in the old-style submodule’s config', `printf '${fsmonitor('vendor-fsmonitor')}' >> vendor/lib/.git/config`],
        ['a hook in the old-style submodule', `printf '#!/bin/sh\\ntouch ${markers}/hook\\n' > vendor/lib/.git/hooks/post-checkout`],
        ['its commondir', 'echo /workspace/planted-git > vendor/lib/.git/commondir'],
        ['its .git moved aside for another', 'mv vendor/lib/.git vendor/lib/.git-away'],
        ['the submodule folder moved aside', 'mv vendor/lib vendor/lib-away'],
        ['a folder on the way moved aside', 'mv vendor vendor-away'],
        ['the modern submodule’s pointer rewritten', 'echo "gitdir: /workspace/planted-git" > sub/.git'],
        ['the modern submodule’s pointer removed', 'rm -f sub/.git'],
        ['the modern submodule folder moved aside', 'mv sub sub-away'],
      ];
      for (const [what, script] of attacks) {
        const result = await inBottle(identity, script);
        expect(result.exitCode, `${what} should have failed: ${result.output}`).not.toBe(0);
        expect(result.output, what).toMatch(/read-only file system|resource busy/i);
      }
      // The agent still commits, in the top repository and in the old-style submodule.
      const commit = await inBottle(
        identity,
        `echo agent > vendor/lib/work.txt && cd vendor/lib && ${g('add', 'work.txt')} && ${g('commit', '-qm', 'agent in lib')}`,
      );
      expect(commit.exitCode, commit.output).toBe(0);
      expect((await operatorGit(join(project, 'vendor', 'lib'), 'log', '-1', '--format=%s')).trim()).toBe('agent in lib');

      expect(await Promise.all(controls.map((path) => readFile(join(project, path), 'utf8')))).toEqual(before);
      await operatorGit(project, 'status');
      expect(await readdir(markers)).toEqual([]);
      // Nothing to warn about: the walls held.
      expect((await diffJson(identity)).warnings).toEqual([]);
    },
  );

  it(
    'mount mode: a repository the agent makes and registers as a submodule is shown in diff, and export refuses it, running nothing',
    { timeout: 300_000 },
    async () => {
      await writeTree(project, { 'app.txt': 'v1\n' });
      await git(project, 'init', '-q');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      // A submodule registered but not checked out (no `.git` in its folder yet).
      const head = (await git(project, 'rev-parse', 'HEAD')).trim();
      await git(project, 'update-index', '--add', '--cacheinfo', `160000,${head},empty`);
      await git(project, 'commit', '-qm', 'registered');
      const identity = await startBottle();
      expect((await diffJson(identity)).warnings).toEqual([]);

      // All written through the bottle: a repository with a planted fsmonitor, registered as a submodule.
      const plant = [
        'mkdir x && cd x',
        g('init', '-q'),
        'echo inner > inner.txt',
        g('add', 'inner.txt'),
        g('commit', '-qm', 'inner'),
        `printf '${fsmonitor('x-fsmonitor')}' >> .git/config`,
        `sha=$(${g('rev-parse', 'HEAD')})`,
        'cd ..',
        `${g('update-index', '--add', '--cacheinfo')} "160000,$sha,x"`,
        `printf '[submodule "x"]\\n\\tpath = x\\n\\turl = ./x\\n' > .gitmodules`,
      ].join(' && ');
      const planted = await inBottle(identity, plant);
      expect(planted.exitCode, planted.output).toBe(0);

      const set = await diffJson(identity);
      expect(set.warnings).toEqual([
        'x: the agent added a git repository as a submodule; your `git status` would run what its config says — inspect it (or remove it) before running git in this folder',
      ]);
      const text = await runCli(['diff', identity]);
      expect(text.stdout).toContain('warning: x: the agent added a git repository as a submodule');
      const refs = await branches();
      const refused = await runCli(['export', identity, '--branch', 'agent/out']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^claude-bottle: x: the agent added a git repository as a submodule; .*; export refuses it\n$/);
      expect(await branches()).toBe(refs);
      expect(await readdir(markers)).toEqual([]);
      // What the warning is about: the operator's plain `git status` runs the planted command.
      await operatorGit(project, 'status');
      expect(await readdir(markers)).toEqual(['x-fsmonitor']);
      await rm(join(markers, 'x-fsmonitor'));

      // Committed, then taken out of the index again: the commits still carry it, and export refuses them.
      const committed = await inBottle(identity, `${g('commit', '-qm', 'add x')} && ${g('rm', '-q', '--cached', 'x')}`);
      expect(committed.exitCode, committed.output).toBe(0);
      const again = await runCli(['export', identity, '--branch', 'agent/out']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        /^claude-bottle: x: the bottle's commits add a git repository as a submodule; .*; export refuses them\n$/,
      );
      expect(await branches()).toBe(refs);
      expect((await diffJson(identity)).warnings).toEqual([expect.stringMatching(/^x: the agent made a git repository here \(x\/\.git\)/)]);

      // A repository put where a registered submodule was never checked out.
      const filled = await inBottle(
        identity,
        `mkdir empty && cd empty && ${g('init', '-q')} && printf '${fsmonitor('empty-fsmonitor')}' >> .git/config`,
      );
      expect(filled.exitCode, filled.output).toBe(0);
      expect((await diffJson(identity)).warnings).toContainEqual(
        expect.stringMatching(
          /^empty: the agent put a git repository where a submodule is registered \(empty\/\.git\); your `git status` would run/,
        ),
      );
      expect(await readdir(markers)).toEqual([]);
    },
  );
});
