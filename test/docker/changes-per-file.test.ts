import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/core/create-core';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ApplyResult } from '../../src/shared/changes';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { treeContents, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/** Edits, adds, deletes, renames and re-modes; then idles. */
const WORKER_SCRIPT = [
  'cd /workspace',
  "printf 'one\\nTWO\\n' > edit.txt",
  "printf 'agent\\n' > other.txt",
  'rm gone.txt',
  'mv move.txt moved.txt',
  'chmod 755 run.sh',
  'echo new > new.txt',
  'ln -sf edit.txt link',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

const START_FILES = {
  'edit.txt': 'one\ntwo\n',
  'other.txt': 'operator start\n',
  'gone.txt': 'bye\n',
  'move.txt': 'moving\n',
  'run.sh': 'echo hi\n',
  link: 'a plain file at the start\n',
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

async function workerDone(identity: string): Promise<void> {
  await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
}

async function inBottle(identity: string, script: string): Promise<string> {
  const result = await execIn(await bottleContainer(identity), ['sh', '-c', `cd /workspace && ${script}`]);
  return result.output;
}

describe.skipIf(skipWithoutDocker)('per-file Apply and Discard of a copy-mode bottle, on a real engine', () => {
  it('apply of one file writes only that file, under the same conflict rules; a rename goes whole', { timeout: 240_000 }, async () => {
    const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, '--copy', '--detach', '--json']);
    await workerDone(identity);
    const before = await treeContents(project);

    // A path that is not a change: one line, nothing written.
    const missing = await runCli(['apply', identity, 'keep-out.txt']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`claude-bottle: keep-out.txt is not among the changes of ${identity}\n`);
    const bad = await runCli(['apply', identity, '../etc/passwd']);
    expect(bad.stderr).toMatch(/^claude-bottle: invalid workspace path "..\/etc\/passwd"\n$/);
    expect(await treeContents(project)).toEqual(before);

    const one = await json<ApplyResult>(['apply', identity, 'edit.txt', '--json']);
    expect(one.outcomes).toEqual([{ path: 'edit.txt', action: 'write', detail: null, sidecar: null }]);
    expect(await treeContents(project)).toEqual({ ...before, 'edit.txt': `644:${Buffer.from('one\nTWO\n').toString('base64')}` });

    // Naming the old side of a rename applies the rename: the old file goes, the new one comes.
    const renamed = await json<ApplyResult>(['apply', identity, 'move.txt', '--json']);
    expect(renamed.outcomes.map((outcome) => [outcome.path, outcome.action])).toEqual([
      ['move.txt', 'delete'],
      ['moved.txt', 'write'],
    ]);

    // The operator changed other.txt too: a per-file apply keeps their file and puts the agent's beside it.
    await writeFile(join(project, 'other.txt'), 'the operator’s own edit\n');
    const conflict = await json<ApplyResult>(['apply', identity, 'other.txt', '--json']);
    expect(conflict.outcomes).toEqual([
      { path: 'other.txt', action: 'conflict', detail: 'you changed it too: your file stays', sidecar: `other.txt.bottle-${identity}` },
    ]);
    expect(await readFile(join(project, 'other.txt'), 'utf8')).toBe('the operator’s own edit\n');
    expect(await readFile(join(project, `other.txt.bottle-${identity}`), 'utf8')).toBe('agent\n');
    // Nothing else was touched by the three per-file applies.
    expect(await readFile(join(project, 'gone.txt'), 'utf8')).toBe('bye\n');
    expect((await stat(join(project, 'run.sh'))).mode & 0o777).toBe(0o644);
    expect(await stat(join(project, 'new.txt')).catch(() => null)).toBeNull();

    // The applied files count as applied; the rest do not.
    const diff = await json<{ files: { path: string; applied: boolean }[] }>(['diff', identity, '--json']);
    expect(diff.files.filter((file) => file.applied).map((file) => file.path)).toEqual(['edit.txt', 'moved.txt']);
  });

  it('discard puts one file of the running bottle back as it started; the project folder is untouched', { timeout: 240_000 }, async () => {
    const core = createCore();
    try {
      const { identity } = await core.bottles.start({ agent: 'worker', cwd: project, copy: true });
      await workerDone(identity);
      const before = await treeContents(project);
      const count = async (): Promise<string[]> => (await core.changes.diff(identity)).files.map((file) => file.path);
      expect(await count()).toEqual(['edit.txt', 'gone.txt', 'link', 'moved.txt', 'new.txt', 'other.txt', 'run.sh']);

      await expect(core.changes.discard(identity, 'nope.txt')).rejects.toThrow(`nope.txt is not among the changes of ${identity}`);
      await expect(core.changes.discard(identity, 'a/../../x')).rejects.toThrow(/invalid workspace path/);

      expect(await core.changes.discard(identity, 'edit.txt')).toEqual({ identity, path: 'edit.txt', restored: ['edit.txt'], removed: [] });
      expect(await core.changes.discard(identity, 'new.txt')).toEqual({ identity, path: 'new.txt', restored: [], removed: ['new.txt'] });
      expect(await core.changes.discard(identity, 'gone.txt')).toMatchObject({ restored: ['gone.txt'] });
      expect(await core.changes.discard(identity, 'moved.txt')).toMatchObject({ restored: ['move.txt'], removed: ['moved.txt'] });
      expect(await core.changes.discard(identity, 'run.sh')).toMatchObject({ restored: ['run.sh'] });
      // A symlink the agent put where a file was goes back to the file (written beside, then renamed: never through the link).
      expect(await core.changes.discard(identity, 'link')).toMatchObject({ restored: ['link'] });

      expect(await inBottle(identity, 'cat edit.txt gone.txt move.txt link; ls; stat -c %a run.sh')).toBe(
        'one\ntwo\nbye\nmoving\na plain file at the start\nedit.txt\ngone.txt\nlink\nmove.txt\nother.txt\nrun.sh\n644\n',
      );
      expect(await count()).toEqual(['other.txt']);
      expect(await treeContents(project)).toEqual(before);

      // A folder the agent put at the path is refused, in one line, and left alone.
      await inBottle(identity, 'rm other.txt && mkdir other.txt && echo inside > other.txt/x');
      await expect(core.changes.discard(identity, 'other.txt')).rejects.toThrow(
        'could not discard other.txt in the bottle: other.txt is a folder in the bottle now: not discarded',
      );
      expect(await inBottle(identity, 'cat other.txt/x')).toBe('inside\n');

      // Not a repository, and the operator edited other.txt since: its start is kept nowhere, so it is refused.
      await writeFile(join(project, 'other.txt'), 'the operator’s own edit\n');
      await expect(core.changes.discard(identity, 'other.txt')).rejects.toThrow(
        'the start-of-run content of other.txt is no longer kept: nothing was discarded',
      );
      expect(await inBottle(identity, 'cat other.txt/x')).toBe('inside\n');

      // Stopped, the workspace cannot be changed: one line, nothing done.
      await core.bottles.stop(identity);
      await expect(core.changes.discard(identity, 'other.txt/x')).rejects.toThrow(
        `bottle ${identity} is not running: start it to discard a change in its workspace`,
      );
    } finally {
      await core.close();
    }
  });

  it('a watch let go while a look runs leaves no listing exec in the bottle', { timeout: 180_000 }, async () => {
    const core = createCore();
    try {
      const { identity } = await core.bottles.start({ agent: 'worker', cwd: project, copy: true });
      await workerDone(identity);
      const probes = async (): Promise<number> =>
        (await inBottle(identity, 'ps -o args')).split('\n').filter((line) => line.includes('claude-bottle-probe')).length;
      await core.changes.watch(identity, 'view');
      expect(await probes()).toBe(1);
      // The bottle goes stale (a restart would), a look begins, and the view lets go before it ends.
      core.changes.bottleChanged(identity);
      const look = core.changes.refresh(identity);
      await core.changes.unwatch(identity, 'view');
      await look;
      await eventually(async () => expect(await probes()).toBe(0), 10_000);
    } finally {
      await core.close();
    }
  });
});
