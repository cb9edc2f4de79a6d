import { lstat, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { CheckpointList, CheckpointView } from '../../src/shared/checkpoints';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';

const env = useBottleTestEnv();

/** The stand-in agent's first turn, in the operator's own folder (mount mode): edits, adds, deletes, a link. */
const WORKER_SCRIPT = [
  'if [ "$1" = start ]; then',
  '  cd /workspace',
  "  echo 'agent edit' > tracked.txt",
  '  echo new > new.txt',
  '  rm gone.txt',
  '  ln -s tracked.txt link',
  '  mkdir -p dir && echo a > dir/a.txt',
  `  mkdir -p ${TEST_TRANSCRIPT_DIR} && echo 'turn 1' > ${TEST_TRANSCRIPT_DIR}/log.txt`,
  'fi',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

/** Turn 2: more edits, a deletion, an untracked file of the operator's changed, and `dir` made a link out of the project. */
function turnTwo(outside: string): string {
  return [
    'cd /workspace',
    "echo 'turn 2' > tracked.txt",
    'rm new.txt',
    'echo later > later.txt',
    "echo 'changed notes' > notes.txt",
    'rm -r dir',
    `ln -s ${outside} dir`,
    `echo 'turn 2' >> ${TEST_TRANSCRIPT_DIR}/log.txt`,
  ].join(' && ');
}

/** The project folder as the operator sees it, `.git` left out: files as text, links as targets. */
async function folder(dir: string, prefix = ''): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    if (path === '.git') continue;
    const info = await lstat(join(dir, path));
    if (info.isSymbolicLink()) tree[path] = `-> ${await readlink(join(dir, path))}`;
    else if (info.isDirectory()) Object.assign(tree, await folder(dir, path));
    else tree[path] = await readFile(join(dir, path), 'utf8');
  }
  return tree;
}

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

function expectOneLineRefusal(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

const BIG = 'x'.repeat(300 * 1024);
let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'tracked.txt': 'start\n', 'keep.txt': 'same\n', 'gone.txt': 'bye\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
  // Untracked: the baseline keeps a copy of the small one, only a hash of the large one.
  await writeTree(project, { 'notes.txt': 'notes\n', 'big.bin': BIG });
  await writeTestAgent({ name: 'worker', script: WORKER_SCRIPT });
});

describe.skipIf(skipWithoutDocker)('checkpoints of a mount-mode bottle, on a real engine', () => {
  it(
    'a checkpoint holds the folder against its baseline; restore makes the folder equal to it, keeps what it replaced, and never writes through a planted link',
    { timeout: 300_000 },
    async () => {
      const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, '--detach', '--json']);
      const container = await bottleContainer(identity);
      await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);
      const atA = await folder(project);

      const a = await json<CheckpointView>(['checkpoint', identity, '--name', 'A', '--json']);
      expect(a).toMatchObject({ mode: 'mount', deleted: ['gone.txt'], source: 'running', pausedMs: null, saved: { transcript: true } });
      expect(a.git?.status).toEqual(expect.arrayContaining([' M tracked.txt', ' D gone.txt']));
      const aDir = join(bottlePaths(identity).checkpoints, a.id);
      // Only what differs from the baseline; the link kept as a link.
      expect(await folder(join(aDir, 'workspace'))).toEqual({
        'dir/a.txt': 'a\n',
        link: '-> tracked.txt',
        'new.txt': 'new\n',
        'tracked.txt': 'agent edit\n',
      });
      expect(await readFile(join(aDir, 'transcript', 'log.txt'), 'utf8')).toBe('turn 1\n');
      expect((await container.inspect()).State.Status).toBe('running');

      const outside = await tempDir('mount-outside-');
      await writeFile(join(outside, 'a.txt'), 'outside\n');
      const outsideBefore = await folder(outside);
      expect((await execIn(container, ['sh', '-c', `${turnTwo(outside)} && echo changed > big.bin`])).exitCode).toBe(0);
      expect((await runCli(['stop', identity])).code).toBe(0);
      const replaced = await folder(project);

      // Without --yes, a restore into the operator's folder is refused; the big file's start is nowhere, so that is too.
      expectOneLineRefusal(
        await runCli(['restore', identity, 'A']),
        /mount-mode bottle: restore writes your project folder .*; run again with --yes$/m,
      );
      expectOneLineRefusal(
        await runCli(['restore', identity, 'A', '--yes']),
        /would put back 1 file to the baseline, whose content was not kept \("big.bin"\): nothing was changed$/m,
      );
      expectOneLineRefusal(await runCli(['restore', identity, 'no such', '--yes']), /has no checkpoint "no such"/);
      expect(await folder(project)).toEqual(replaced);
      expect((await json<CheckpointList>(['checkpoints', identity, '--json'])).checkpoints).toHaveLength(1);

      // The operator puts the large file back themselves; now every baseline version is at hand.
      await writeFile(join(project, 'big.bin'), BIG);
      const result = await runCli(['restore', identity, 'A', '--yes']);
      expect(result.code, result.stderr).toBe(0);
      expect(await folder(project)).toEqual({ ...atA, 'big.bin': BIG });
      expect(await folder(outside)).toEqual(outsideBefore);

      // The state it replaced is a mount-mode checkpoint of its own, holding every file the restore overwrote.
      const list = await json<CheckpointList>(['checkpoints', identity, '--json']);
      const before = list.checkpoints[1] as CheckpointView;
      expect(before).toMatchObject({ name: 'before restore of A', mode: 'mount', deleted: ['gone.txt'], source: 'stopped' });
      expect(await folder(join(bottlePaths(identity).checkpoints, before.id, 'workspace'))).toEqual({
        dir: `-> ${outside}`,
        'later.txt': 'later\n',
        link: '-> tracked.txt',
        'notes.txt': 'changed notes\n',
        'tracked.txt': 'turn 2\n',
      });
      expect(await readFile(join(bottlePaths(identity).transcript, 'log.txt'), 'utf8')).toBe('turn 1\n');

      // And back: the replaced state returns whole (the planted link too, as a link), the outside untouched.
      expect((await runCli(['restore', identity, before.id, '--yes'])).code).toBe(0);
      expect(await folder(project)).toEqual({ ...replaced, 'big.bin': BIG });
      expect(await folder(outside)).toEqual(outsideBefore);
    },
  );

  it('a checkpoint whose changed files pass the budget is refused whole in one line; nothing is kept', { timeout: 300_000 }, async () => {
    await writeTestSettings({ maxCheckpointBytes: 4096 });
    const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, '--detach', '--json']);
    await eventually(
      async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0),
      60_000,
    );
    await writeFile(join(project, 'large.txt'), 'y'.repeat(8192));
    expectOneLineRefusal(await runCli(['checkpoint', identity]), /nothing was kept: .*budget \(maxCheckpointBytes in settings\.json\)/);
    expect(await readdir(bottlePaths(identity).checkpoints)).toEqual([]);
  });
});
