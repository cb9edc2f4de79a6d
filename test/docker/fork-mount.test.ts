import { readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleDetail, BottleView } from '../../src/shared/bottle-view';
import type { CheckpointView } from '../../src/shared/checkpoints';
import type { ForkResult } from '../../src/shared/forks';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, treeContents, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { cliJson as json, everythingIn, waitForAgent, workspaceOf } from '../helpers/fork-fixtures';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/**
 * A stand-in agent. Its first start works in the operator's own folder (mount mode): an edit, an
 * addition, a deletion, a link, a new folder, and turn 1 of its transcript. A fork's first launch
 * records the transcript it found, then writes its own file, named after its container.
 */
const WORKER_SCRIPT = [
  'mode=$1; shift',
  `t=${TEST_TRANSCRIPT_DIR}/log.txt`,
  'mkdir -p "$(dirname "$t")"',
  'if [ "$mode" = start ]; then',
  '  cd /workspace',
  "  echo 'agent edit' > tracked.txt",
  '  echo new > new.txt',
  '  rm gone.txt',
  '  ln -s tracked.txt link',
  '  mkdir -p dir && echo a > dir/a.txt',
  '  echo "turn 1 by the parent" >> "$t"',
  'fi',
  'if [ "$mode" = fork ]; then',
  '  cat "$t" > /tmp/seen-transcript',
  '  me=$(hostname)',
  '  echo "$me" > "/workspace/fork-$me.txt"',
  'fi',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

/** Larger than the baseline keeps a copy of, and untracked: only its hash is known. */
const BIG = 'x'.repeat(300 * 1024);

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'tracked.txt': 'start\n', 'keep.txt': 'same\n', 'gone.txt': 'bye\n', 'sub/deep.txt': 'deep\n' });
  await symlink('keep.txt', join(project, 'keep-link'));
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
  // Untracked: the baseline keeps a copy of the small one, only a hash of the large one.
  await writeTree(project, { 'notes.txt': 'notes\n', 'big.bin': BIG });
  await writeTestAgent({
    name: 'worker',
    script: WORKER_SCRIPT,
    extraConfig: { forkCommand: ['sh', '/usr/bin/agent.sh', 'fork'] },
  });
});

function expectOneLineRefusal(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

describe.skipIf(skipWithoutDocker)('fork of a mount-mode bottle (issue 24): into copy mode', () => {
  it(
    'each fork gets the folder as it was at the checkpoint, the folder is never written, forks diverge, later edits stay out; a file nowhere any more refuses with nothing made',
    { timeout: 600_000 },
    async () => {
      const { identity: parent } = await json<BottleView>(['start', 'worker', '--cwd', project, '--detach', '--json']);
      await waitForAgent(parent);
      const atCheckpoint = await treeContents(project);
      const checkpoint = await json<CheckpointView>(['checkpoint', parent, '--name', 'A', '--json']);
      expect(checkpoint).toMatchObject({ mode: 'mount', deleted: ['gone.txt'] });

      // The parent goes on in the folder: an edit of a changed file, of a kept one, of a committed one, a new one.
      const later = 'echo later > tracked.txt && echo changed > notes.txt && rm keep.txt sub/deep.txt && echo later > later.txt';
      expect((await execIn(await bottleContainer(parent), ['sh', '-c', `cd /workspace && ${later}`])).exitCode).toBe(0);
      const folderBefore = await treeContents(project);
      const headBefore = await git(project, 'rev-parse', 'HEAD');

      const result = await json<ForkResult>(['fork', parent, '--from', 'A', '--count', '2', '--detach', '--json']);
      expect(result.checkpoint.id).toBe(checkpoint.id);
      const forks = result.forks.map((fork) => fork.identity);
      expect(forks).toHaveLength(2);
      const own: string[] = [];
      for (const fork of forks) {
        await waitForAgent(fork);
        const detail = await json<BottleDetail>(['show', fork, '--json']);
        expect(detail).toMatchObject({ copyCwd: true, forkedFrom: { parent, checkpoint: checkpoint.id } });
        expect((await execIn(await bottleContainer(fork), ['cat', '/tmp/seen-transcript'])).output).toBe('turn 1 by the parent\n');
        const me = (await execIn(await bottleContainer(fork), ['hostname'])).output.trim();
        own.push(`fork-${me}.txt`);
      }
      for (const [index, fork] of forks.entries()) {
        // The folder at the checkpoint, file for file (modes and links too), plus what this fork wrote alone.
        const tree = await workspaceOf(fork);
        const { [own[index] ?? '?']: mine, ...rest } = tree;
        expect(mine).toBeDefined();
        expect(rest).toEqual(atCheckpoint);
        for (const [other, file] of own.entries()) if (other !== index) expect(file in tree).toBe(false);
      }
      // The forks never wrote the operator's folder; the parent's later work is still there, and theirs is not.
      expect(await treeContents(project)).toEqual(folderBefore);
      expect(await git(project, 'rev-parse', 'HEAD')).toBe(headBefore);
      // A fork's changes compare with the folder as the parent started: the parent's work before the checkpoint is in them.
      const diff = await runCli(['diff', forks[0] ?? '?', '--stat']);
      expect(diff.code, diff.stderr).toBe(0);
      expect(diff.stdout).toContain('new.txt');
      expect(diff.stdout).toContain('gone.txt');
      expect(diff.stdout).not.toContain('later.txt');
      // The staging folder the tree was made in is gone; the checkpoints are the one taken.
      expect(await readdir(bottlePaths(parent).checkpoints)).toEqual([checkpoint.id]);

      // The large file, unchanged at the checkpoint, changes (then goes): its start-of-run content is nowhere.
      const before = await everythingIn(env.home());
      await writeFile(join(project, 'big.bin'), 'changed\n');
      expectOneLineRefusal(await runCli(['fork', parent, '--from', 'A']), /"big\.bin" changed in the project folder .*: nothing forked$/m);
      await rm(join(project, 'big.bin'));
      expectOneLineRefusal(await runCli(['fork', parent, '--from', 'A', '--count', '2']), /"big\.bin" .*: nothing forked$/m);
      expect(await everythingIn(env.home())).toEqual(before);
      expect(await readdir(bottlePaths(parent).checkpoints)).toEqual([checkpoint.id]);

      // Back as it was: the fork goes through again.
      await writeFile(join(project, 'big.bin'), BIG);
      const again = await json<ForkResult>(['fork', parent, '--from', 'A', '--detach', '--json']);
      expect(again.forks).toHaveLength(1);
      expect(JSON.parse(await readFile(bottlePaths(again.forks[0]?.identity ?? '?').forkedFrom, 'utf8'))).toMatchObject({ parent });

      // Apply of a fork writes the folder as a copy-mode apply does: its own file is written; the
      // file the parent changed after the checkpoint is the operator's now, a conflict left as it is.
      const applied = await runCli(['apply', forks[0] ?? '?', '--no-sidecars']);
      expect(applied.code, applied.stderr).toBe(0);
      expect(await readFile(join(project, own[0] ?? '?'), 'utf8')).toMatch(/\S/);
      expect(await readFile(join(project, 'tracked.txt'), 'utf8')).toBe('later\n');
      expect(await readFile(join(project, 'new.txt'), 'utf8')).toBe('new\n');
    },
  );

  it('a baseline file is never read through a link out of the project folder: one line, nothing made', { timeout: 300_000 }, async () => {
    const outside = await tempDir('fork-mount-outside-');
    await writeTree(project, { 'far/big.bin': BIG });
    const { identity: parent } = await json<BottleView>(['start', 'worker', '--cwd', project, '--detach', '--json']);
    await waitForAgent(parent);
    const checkpoint = await json<CheckpointView>(['checkpoint', parent, '--json']);
    // The folder is moved out and a link left in its place: the same bytes, but not in the project folder.
    await rename(join(project, 'far'), join(outside, 'far'));
    await symlink(join(outside, 'far'), join(project, 'far'));
    const before = await everythingIn(env.home());
    expectOneLineRefusal(
      await runCli(['fork', parent, '--from', checkpoint.id]),
      /"far\/big\.bin" changed in the project folder .*: nothing forked$/m,
    );
    expect(await everythingIn(env.home())).toEqual(before);
    expect(await readdir(bottlePaths(parent).checkpoints)).toEqual([checkpoint.id]);
  });
});
