import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AppEvent } from '../../src/shared/app-events';
import type { BottleView } from '../../src/shared/bottle-view';
import { createCore } from '../../src/core/create-core';
import type { ApplyResult, ChangeSet } from '../../src/shared/changes';
import { EngineContainer } from '../../src/core/engine/engine-client';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { tempDir, treeContents, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, copyFolderOut, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();
const run = promisify(execFile);

/** An agent that does its work as soon as it starts, then idles: every kind of change there is. */
const WORKER_SCRIPT = [
  'cd /workspace',
  "printf 'one\\n2\\nthree\\nfour\\n' > edit.txt",
  'rm gone.txt',
  'mv move.txt moved.txt',
  'chmod 755 run.sh',
  "printf '\\000\\001\\002binary' > blob.bin",
  'ln -s edit.txt link',
  'echo new > new.txt',
  'mkdir -p ignored && echo agent > ignored/agent.txt',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

const START_FILES = {
  'keep.txt': 'same\n',
  'edit.txt': 'one\ntwo\nthree\n',
  'gone.txt': 'bye\n',
  'move.txt': 'moving content\n',
  'run.sh': 'echo hi\n',
  'sub/deep.txt': 'deep\n',
  'ignored/secret.txt': 'never copied\n',
  '.dockerignore': 'ignored\n',
};

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, START_FILES);
  const past = new Date(Date.now() - 3600_000);
  for (const path of Object.keys(START_FILES)) await utimes(join(project, path), past, past);
  await writeTestAgent({ name: 'worker', script: WORKER_SCRIPT });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'))).toEqual([]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** The bottle's /workspace as files, copied out through the engine (outside ignored paths). */
async function bottleTree(identity: string): Promise<Record<string, string>> {
  const out = join(await tempDir('changes-bottle-tree-'), 'workspace');
  await copyFolderOut(new EngineContainer(await bottleContainer(identity)), '/workspace', out);
  return treeContents(out, (path) => path.startsWith('ignored/'));
}

describe.skipIf(skipWithoutDocker)('changes of a copy-mode bottle, on a real engine', () => {
  it(
    'diff lists exactly what the agent did; apply makes the project its workspace; the operator’s edit survives a conflict; apply again is a no-op',
    { timeout: 300_000 },
    async () => {
      const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, '--copy', '--detach', '--json']);
      await eventually(
        async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
        30_000,
      );

      const set = await json<ChangeSet>(['diff', identity, '--json']);
      expect(set).toMatchObject({ identity, mode: 'copy', source: 'container', baseline: { kind: 'manifest' } });
      expect(set.files.map((file) => [file.status, file.path, file.oldPath])).toEqual([
        ['added', 'blob.bin', null],
        ['modified', 'edit.txt', null],
        ['deleted', 'gone.txt', null],
        ['added', 'link', null],
        ['renamed', 'moved.txt', 'move.txt'],
        ['added', 'new.txt', null],
        ['mode-changed', 'run.sh', null],
      ]);
      const byPath = Object.fromEntries(set.files.map((file) => [file.path, file]));
      expect(byPath['edit.txt']?.diff).toContain('-two\n+2\n three\n+four');
      expect(byPath['blob.bin']).toMatchObject({ binary: true, diff: null });
      expect(byPath['link']).toMatchObject({ kind: 'symlink', linkTarget: 'edit.txt' });
      expect(byPath['run.sh']).toMatchObject({ oldMode: 0o644, mode: 0o755 });
      const stat = await runCli(['diff', identity, '--stat']);
      expect(stat.stdout).toMatch(/edit\.txt\s+\| 3 \+\+-/);
      expect(stat.stdout).toContain('7 files changed, 3 insertions(+), 2 deletions(-)');
      expect(stat.stdout).toMatch(/link\s+\| symlink → edit\.txt/);

      // A dry run plans and writes nothing.
      const before = await treeContents(project);
      const dry = await json<ApplyResult>(['apply', identity, '--dry-run', '--json']);
      expect(dry.counts).toEqual({ written: 6, deleted: 2, conflicts: 0, unchanged: 0, skipped: 0 });
      expect(await treeContents(project)).toEqual(before);

      const applied = await json<ApplyResult>(['apply', identity, '--json']);
      expect(applied.counts).toEqual({ written: 6, deleted: 2, conflicts: 0, unchanged: 0, skipped: 0 });
      expect(await treeContents(project, (path) => path.startsWith('ignored/'))).toEqual(await bottleTree(identity));
      expect(await readFile(join(project, 'ignored', 'secret.txt'), 'utf8')).toBe('never copied\n');

      const again = await runCli(['apply', identity]);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^nothing to apply: .* already has every change of /m);

      // The agent edits on; meanwhile the operator edits one of the same files on the host.
      await execIn(await bottleContainer(identity), [
        'sh',
        '-c',
        "cd /workspace && echo 'agent, second pass' > edit.txt && echo 'newer' > new.txt",
      ]);
      await writeFile(join(project, 'edit.txt'), 'the operator’s own edit\n');
      const third = await json<ApplyResult>(['apply', identity, '--json']);
      expect(third.counts).toMatchObject({ written: 1, conflicts: 1 });
      expect(third.outcomes.find((outcome) => outcome.path === 'edit.txt')).toEqual({
        path: 'edit.txt',
        action: 'conflict',
        detail: 'you changed it too: your file stays',
        sidecar: `edit.txt.bottle-${identity}`,
      });
      expect(await readFile(join(project, 'edit.txt'), 'utf8')).toBe('the operator’s own edit\n');
      expect(await readFile(join(project, `edit.txt.bottle-${identity}`), 'utf8')).toBe('agent, second pass\n');
      expect(await readFile(join(project, 'new.txt'), 'utf8')).toBe('newer\n');
      const human = await runCli(['apply', identity]);
      expect(human.stdout).toContain('conflicts (your version stays):');
      expect(human.stdout).toContain(
        `edit.txt: you changed it too: your file stays; the agent's version is in edit.txt.bottle-${identity}`,
      );
      const fourth = await json<ApplyResult>(['apply', identity, '--json']);
      expect(fourth.counts).toMatchObject({ written: 0, deleted: 0, conflicts: 1 });

      // Stopped, the same changes are read from the saved workspace.
      expect((await runCli(['stop', identity])).code).toBe(0);
      const stopped = await json<ChangeSet>(['diff', identity, '--json']);
      expect(stopped.source).toBe('snapshot');
      expect(stopped.files.map((file) => file.path)).toEqual(set.files.map((file) => file.path));
      expect(stopped.files.filter((file) => file.applied).map((file) => file.path)).toEqual([
        'blob.bin',
        'gone.txt',
        'link',
        'moved.txt',
        'new.txt',
        'run.sh',
      ]);
    },
  );

  it(
    'a watched running bottle: each look runs one find in an exec kept open, and a write shows up pushed',
    { timeout: 180_000 },
    async () => {
      const core = createCore();
      const events: AppEvent[] = [];
      core.subscribe((event) => events.push(event));
      try {
        const { identity } = await core.bottles.start({ agent: 'worker', cwd: project, copy: true });
        const container = await bottleContainer(identity);
        await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
        // The execs the engine runs in the bottle from here on are counted below.
        const since = Math.floor(Date.now() / 1000) - 1;
        const first = await core.changes.watch(identity);
        expect(first.files).toHaveLength(7);
        const quiet = await core.changes.refresh(identity);
        expect(quiet.revision).toBe(first.revision);
        await execIn(container, ['sh', '-c', 'echo later > /workspace/later.txt && chmod 600 /workspace/keep.txt']);
        await eventually(
          async () =>
            expect(
              events.some((event) => event.type === 'changes-updated' && event.identity === identity && event.revision > first.revision),
            ).toBe(true),
          60_000,
        );
        const now = await core.changes.watch(identity);
        expect(now.files.find((file) => file.path === 'later.txt')).toMatchObject({
          status: 'added',
          diff: '--- /dev/null\n+++ b/later.txt\n@@ -0,0 +1,1 @@\n+later\n',
        });
        // A chmod changes no modification time: a full listing (every tenth look) finds it.
        await eventually(
          async () =>
            expect((await core.changes.refresh(identity)).files.find((file) => file.path === 'keep.txt')).toMatchObject({
              status: 'mode-changed',
              mode: 0o600,
            }),
          90_000,
          500,
        );
        const { stdout } = await run('docker', [
          'events',
          '--since',
          String(since),
          '--until',
          String(Math.floor(Date.now() / 1000) + 1),
          '--filter',
          `container=${container.id}`,
          '--filter',
          'event=exec_create',
          '--format',
          '{{json .Action}}',
        ]);
        // The listing session is one exec, however many looks ran (tar execs read changed files).
        expect(stdout.split('\n').filter((line) => line.includes('claude-bottle-probe'))).toHaveLength(1);
        await core.changes.unwatch(identity);
      } finally {
        await core.close();
      }
    },
  );

  it('bad input: one line, non-zero, nothing written', { timeout: 180_000 }, async () => {
    const refused = async (args: string[], message: RegExp): Promise<void> => {
      const result = await runCli(args);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^claude-bottle: [^\n]+\n$/);
      expect(result.stderr).toMatch(message);
    };
    await refused(['diff', 'worker-zzzzz'], /no bottle worker-zzzzz/);
    await refused(['apply', '../x'], /invalid bottle identity/);
    await refused(['export', 'worker-zzzzz'], /exactly one of --branch NAME or --patch FILE/);
    const copied = await json<BottleView>(['start', 'worker', '--cwd', project, '--copy', '--detach', '--json']);
    const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, '--detach', '--json']);
    await refused(['apply', identity], /mount mode\): there is nothing to apply/);
    await refused(['export', identity, '--branch', 'x'], /is not a git repository/);
    await refused(['diff', identity, '--file', '../../etc/passwd'], /invalid workspace path/);
    const before = await treeContents(project);
    await rm(project, { recursive: true });
    await refused(['diff', identity], /the project folder .* is gone/);
    await refused(['export', identity, '--patch', join(await tempDir('changes-patch-'), 'x.patch')], /is gone/);
    // A copy-mode bottle still has its workspace, but nothing is applied to a folder that is gone.
    await refused(['apply', copied.identity], /^claude-bottle: the project folder .* is gone\n$/);
    expect(await stat(project).catch(() => null)).toBeNull();
    expect(before).not.toEqual({});
  });
});
