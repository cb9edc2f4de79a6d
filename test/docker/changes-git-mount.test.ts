import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ExportResult } from '../../src/shared/changes';
import { createCore } from '../../src/core/create-core';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { gitInBottle, writeGitTestAgent } from '../helpers/git-agent';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();
const home = env.home;
let project = '';
beforeEach(() => {
  project = env.project();
});

async function inBottle(identity: string, script: string): Promise<string> {
  const result = await execIn(await bottleContainer(identity), ['sh', '-c', script]);
  expect(result.exitCode, result.output).toBe(0);
  return result.output;
}

/** HEAD, its branch, the index, the status and the files: an export must leave all of it alone. */
async function checkoutState(): Promise<string[]> {
  return Promise.all([
    git(project, 'rev-parse', 'HEAD'),
    git(project, 'symbolic-ref', 'HEAD'),
    git(project, 'ls-files', '-s'),
    git(project, 'status', '--porcelain=v1', '--untracked-files=all'),
    readFile(join(project, 'notes.md'), 'utf8'),
  ]);
}

describe.skipIf(skipWithoutDocker)('the agent’s work as a git branch, and mount mode, on a real engine', () => {
  it(
    'export --branch: the agent’s two commits plus one of its uncommitted change on the start commit; git status of the project unchanged',
    { timeout: 300_000 },
    async () => {
      await writeGitTestAgent();
      await writeTree(project, { 'app.txt': 'v1\n', 'notes.md': 'notes\n', '.gitignore': 'build/\n' });
      await git(project, 'init', '-q');
      await git(project, 'add', '.');
      await git(project, 'commit', '-qm', 'start');
      const start = (await git(project, 'rev-parse', 'HEAD')).trim();
      await writeFile(join(project, 'notes.md'), 'notes, the operator is still writing\n');
      const started = await runCli(['start', 'gitter', '--cwd', project, '--copy', '--detach', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const { identity } = JSON.parse(started.stdout) as BottleView;

      // The agent works with its own git, in the bottle.
      const g = (...args: string[]): string =>
        gitInBottle(...args)
          .map((arg) => `'${arg}'`)
          .join(' ');
      await inBottle(identity, `cd /workspace && echo v2 > app.txt && ${g('commit', '-qm', 'agent: v2', 'app.txt')}`);
      await inBottle(identity, `cd /workspace && echo lib > lib.txt && ${g('add', 'lib.txt')} && ${g('commit', '-qm', 'agent: lib')}`);
      await inBottle(identity, 'cd /workspace && echo v3-wip > app.txt && mkdir -p build && echo junk > build/out.o');
      expect(await inBottle(identity, `cd /workspace && ${g('log', '--format=%s')}`)).toBe('agent: lib\nagent: v2\nstart\n');

      const before = await checkoutState();
      const exported = await runCli(['export', identity, '--branch', 'agent/work', '--json']);
      expect(exported.code, exported.stderr).toBe(0);
      const result = JSON.parse(exported.stdout) as ExportResult;
      expect(result).toMatchObject({ branch: 'agent/work', base: start, commits: 3, uncommitted: true });
      expect((await git(project, 'rev-list', '--count', `${start}..agent/work`)).trim()).toBe('3');
      expect((await git(project, 'log', '--format=%s', `${start}..agent/work`)).trim().split('\n')).toEqual([
        `Uncommitted changes from bottle ${identity}`,
        'agent: lib',
        'agent: v2',
      ]);
      expect(await git(project, 'show', 'agent/work:app.txt')).toBe('v3-wip\n');
      expect(await git(project, 'ls-tree', '-r', '--name-only', 'agent/work')).toBe('.gitignore\napp.txt\nlib.txt\nnotes.md\n');
      expect(await checkoutState()).toEqual(before);

      // The same work as a patch git apply takes, from the stopped bottle's saved workspace.
      expect((await runCli(['stop', identity])).code).toBe(0);
      const patch = join(await tempDir('changes-patch-'), 'agent.patch');
      const patched = await runCli(['export', identity, '--patch', patch]);
      expect(patched.code, patched.stderr).toBe(0);
      expect(patched.stdout).toContain(`wrote ${patch}: 3 commits on top of ${start.slice(0, 12)}`);
      const clone = await tempDir('changes-clone-');
      await git(clone, 'clone', '-q', project, '.');
      await git(clone, 'checkout', '-q', start);
      await git(clone, 'apply', patch);
      expect(await readFile(join(clone, 'app.txt'), 'utf8')).toBe('v3-wip\n');
      expect(await readFile(join(clone, 'lib.txt'), 'utf8')).toBe('lib\n');

      // Bad input: one line, nothing written.
      const refs = await git(project, 'for-each-ref');
      for (const [args, message] of [
        [['--branch', 'agent/work'], /^claude-bottle: branch agent\/work already exists in /],
        [['--branch', 'has space'], /^claude-bottle: invalid branch name "has space"\n$/],
        [['--branch', 'x', '--patch', patch], /exactly one of --branch NAME or --patch FILE/],
        [['--patch', patch], /already exists; choose another file name/],
      ] as const) {
        const refused = await runCli(['export', identity, ...args]);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(message);
        expect(refused.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      }
      expect(await git(project, 'for-each-ref')).toBe(refs);
    },
  );

  it(
    'mount mode: the Changes view shows what the agent wrote since start, not what was there, and moves as it writes',
    { timeout: 180_000 },
    async () => {
      await writeTestAgent({
        name: 'writer',
        script: 'echo "edited by the agent" >> /workspace/notes.md; echo hello > /workspace/agent.txt; touch /tmp/done; exec sleep 3600',
      });
      await writeTree(project, { 'notes.md': 'written before the bottle\n', 'old.txt': 'was already here\n' });
      const past = new Date(Date.now() - 3600_000);
      for (const path of ['notes.md', 'old.txt']) await utimes(join(project, path), past, past);
      const core = createCore();
      const events: AppEvent[] = [];
      core.subscribe((event) => events.push(event));
      try {
        const { identity } = await core.bottles.start({ agent: 'writer', cwd: project, copy: false });
        await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/done'])).exitCode).toBe(0), 30_000);
        const first = await core.changes.watch(identity);
        expect(first).toMatchObject({ mode: 'mount', source: 'folder' });
        expect(first.files.map((file) => [file.status, file.path])).toEqual([
          ['added', 'agent.txt'],
          ['modified', 'notes.md'],
        ]);
        expect(first.files[1]?.diff).toBe(
          '--- a/notes.md\n+++ b/notes.md\n@@ -1,1 +1,2 @@\n written before the bottle\n+edited by the agent\n',
        );

        // The agent writes on: the watch pushes an update, and the next look has it.
        await execIn(await bottleContainer(identity), ['sh', '-c', 'rm /workspace/old.txt']);
        await eventually(
          async () =>
            expect(
              events.some((event) => event.type === 'changes-updated' && event.identity === identity && event.revision > first.revision),
            ).toBe(true),
          30_000,
        );
        expect((await core.changes.watch(identity)).files.map((file) => [file.status, file.path])).toEqual([
          ['added', 'agent.txt'],
          ['modified', 'notes.md'],
          ['deleted', 'old.txt'],
        ]);
        await core.changes.unwatch(identity);

        // Resume (and rebuild, which resumes) keep the first baseline: what was there before stays out.
        const baseline = await readFile(join(home(), 'state', identity, 'changes', 'baseline.json'), 'utf8');
        await core.bottles.stop(identity);
        await core.bottles.resume(identity);
        expect(await readFile(join(home(), 'state', identity, 'changes', 'baseline.json'), 'utf8')).toBe(baseline);
        expect((await core.changes.diff(identity)).files.map((file) => file.path)).toEqual(['agent.txt', 'notes.md', 'old.txt']);
      } finally {
        await core.close();
      }
    },
  );
});
