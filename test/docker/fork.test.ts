import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleDetail, BottleView } from '../../src/shared/bottle-view';
import type { CheckpointView } from '../../src/shared/checkpoints';
import type { ForkResult } from '../../src/shared/forks';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, treeContents, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { everythingIn, waitForAgent, workspaceOf } from '../helpers/fork-fixtures';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/**
 * A stand-in agent with three ways to launch, each recorded in /tmp/launched with the arguments it
 * got. Its first start works and writes turn 1 of its transcript. A fork's first launch (its
 * forkCommand) records the transcript it found, then writes its own turn and its own file, named
 * after its container, so forks that diverge can be told apart.
 */
const WORKER_SCRIPT = [
  'mode=$1; shift',
  `t=${TEST_TRANSCRIPT_DIR}/log.txt`,
  'mkdir -p "$(dirname "$t")"',
  'echo "$mode $*" > /tmp/launched',
  'if [ "$mode" = start ]; then',
  '  cd /workspace && echo "parent work" > parent.txt && echo edited > tracked.txt',
  '  echo "turn 1 by the parent" >> "$t"',
  'fi',
  'if [ "$mode" = fork ]; then',
  '  cat "$t" > /tmp/seen-transcript',
  '  me=$(hostname)',
  '  echo "turn 2 by fork $me: $*" >> "$t"',
  '  echo "$me" > "/workspace/fork-$me.txt"',
  'fi',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'tracked.txt': 'start\n', 'keep.txt': 'same\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
  await writeTestAgent({
    name: 'worker',
    script: WORKER_SCRIPT,
    extraConfig: { forkCommand: ['sh', '/usr/bin/agent.sh', 'fork'], promptArgs: ['--', '{prompt}'] },
  });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'))).toEqual([]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function inBottle(identity: string, path: string): Promise<string> {
  return (await execIn(await bottleContainer(identity), ['cat', path])).output;
}

describe.skipIf(skipWithoutDocker)('fork (issue 24)', () => {
  it(
    'a fork of 3 from one checkpoint: own identities, the checkpoint workspace, the parent transcript through forkCommand, then each diverges',
    { timeout: 600_000 },
    async () => {
      const { identity: parent } = await json<BottleView>([
        'start',
        'worker',
        '--cwd',
        project,
        '--copy',
        '--name',
        'base',
        '--detach',
        '--json',
      ]);
      await waitForAgent(parent);
      const checkpoint = await json<CheckpointView>(['checkpoint', parent, '--name', 'turn one', '--json']);
      const saved = join(bottlePaths(parent).checkpoints, checkpoint.id);
      const savedTree = await treeContents(join(saved, 'workspace'));

      const result = await json<ForkResult>([
        'fork',
        'base',
        '--from',
        'turn one',
        '--count',
        '3',
        '--name',
        'kid',
        '--prompt',
        'try B',
        '--detach',
        '--json',
      ]);
      expect(result.parent).toBe(parent);
      expect(result.checkpoint.id).toBe(checkpoint.id);
      expect(result.forks.map((fork) => fork.name)).toEqual(['kid', 'kid-2', 'kid-3']);
      const forks = result.forks.map((fork) => fork.identity);
      expect(new Set([parent, ...forks]).size).toBe(4);

      const ownFiles: string[] = [];
      for (const fork of forks) {
        await waitForAgent(fork);
        // The first launch ran forkCommand with the fork's instruction after it (promptArgs).
        expect(await inBottle(fork, '/tmp/launched')).toBe('fork -- try B\n');
        // It saw the parent's transcript as the checkpoint holds it, and only that.
        expect(await inBottle(fork, '/tmp/seen-transcript')).toBe('turn 1 by the parent\n');
        const me = (await execIn(await bottleContainer(fork), ['hostname'])).output.trim();
        const own = `fork-${me}.txt`;
        ownFiles.push(own);
        // Its workspace is the checkpoint's, plus the one file it wrote itself.
        const tree = await workspaceOf(fork);
        expect(Object.keys(tree)).toContain(own);
        const { [own]: _mine, ...rest } = tree;
        expect(rest).toEqual(savedTree);
        // Its family, on disk and in its view; `show` says it.
        expect(JSON.parse(await readFile(bottlePaths(fork).forkedFrom, 'utf8'))).toMatchObject({ parent, checkpoint: checkpoint.id });
        const detail = await json<BottleDetail>(['show', fork, '--json']);
        expect(detail.forkedFrom).toEqual({ parent, checkpoint: checkpoint.id });
        expect(detail.copyCwd).toBe(true);
        expect((await runCli(['show', fork])).stdout).toContain(`forked from ${parent} at ${checkpoint.id}`);
      }
      // Diverged: each fork's writes are in it alone, not in another fork's nor in the parent's.
      for (const [index, fork] of forks.entries()) {
        const tree = await workspaceOf(fork);
        for (const [other, file] of ownFiles.entries()) expect(file in tree).toBe(other === index);
        const transcript = await inBottle(fork, `${TEST_TRANSCRIPT_DIR}/log.txt`);
        expect(transcript.split('\n').filter(Boolean)).toEqual([
          'turn 1 by the parent',
          expect.stringContaining('turn 2 by fork') as string,
        ]);
      }
      const parentTree = await workspaceOf(parent);
      for (const file of ownFiles) expect(file in parentTree).toBe(false);
      expect(await inBottle(parent, `${TEST_TRANSCRIPT_DIR}/log.txt`)).toBe('turn 1 by the parent\n');
      expect((await json<BottleDetail>(['show', parent, '--json'])).forkedFrom).toBeNull();

      // A fork is a normal bottle afterwards: stopped and resumed, it runs resumeCommand, its own turn kept.
      const [first] = forks;
      if (first === undefined) throw new Error('no fork');
      expect((await runCli(['stop', first])).code).toBe(0);
      expect((await runCli(['resume', first, '--detach'])).code).toBe(0);
      await waitForAgent(first);
      expect(await inBottle(first, '/tmp/launched')).toBe('resume \n');
      expect(await inBottle(first, `${TEST_TRANSCRIPT_DIR}/log.txt`)).toContain('turn 2 by fork');
      // Its changes compare with the project folder as the parent started from it: the parent's work and its own.
      const diff = await runCli(['diff', first, '--stat']);
      expect(diff.code).toBe(0);
      expect(diff.stdout).toContain('parent.txt');
      expect(diff.stdout).toContain(ownFiles[0] ?? '?');
    },
  );

  it(
    'without --from, a running parent is checkpointed now and forked; names default to the parent name + "-fork-N"',
    { timeout: 300_000 },
    async () => {
      const { identity: parent } = await json<BottleView>([
        'start',
        'worker',
        '--cwd',
        project,
        '--copy',
        '--name',
        'solo',
        '--detach',
        '--json',
      ]);
      await waitForAgent(parent);
      const result = await json<ForkResult>(['fork', parent, '--count', '2', '--detach', '--json']);
      expect(result.checkpoint.source).toBe('running');
      expect(result.forks.map((fork) => fork.name)).toEqual(['solo-fork-1', 'solo-fork-2']);
      for (const fork of result.forks) {
        await waitForAgent(fork.identity);
        // No instruction given: forkCommand alone.
        expect(await inBottle(fork.identity, '/tmp/launched')).toBe('fork \n');
      }
      // The parent still runs, its agent untouched.
      expect((await json<BottleDetail>(['show', parent, '--json'])).status).toBe('running');
    },
  );

  it('bad input gets one line and creates nothing', { timeout: 300_000 }, async () => {
    const { identity: parent } = await json<BottleView>([
      'start',
      'worker',
      '--cwd',
      project,
      '--copy',
      '--name',
      'taken',
      '--detach',
      '--json',
    ]);
    await waitForAgent(parent);
    const checkpoint = await json<CheckpointView>(['checkpoint', parent, '--json']);
    const before = await everythingIn(env.home());
    const checkpointsBefore = await readdir(bottlePaths(parent).checkpoints);
    const cases: [string[], RegExp][] = [
      [['fork', 'nosuch-bottle'], /no bottle|no such|nosuch/],
      [['fork', parent, '--from', 'no such checkpoint'], /no checkpoint/],
      [['fork', parent, '--from', '20200101-000000-zzzzz'], /no checkpoint/],
      [['fork', parent, '--count', '0'], /1 to 8/],
      [['fork', parent, '--count', '9'], /1 to 8/],
      [['fork', parent, '--count', 'many'], /whole number/],
      [['fork', parent, '--name=bad name!'], /invalid bottle name/],
      [['fork', parent, '--name', 'taken'], /taken by bottle/],
      [['fork', parent, '--prompt', 'bad\u0007bell'], /task/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    // Over a bottle's snapshot cap: refused before any fork is made.
    const over = await runCli(['fork', parent, '--from', checkpoint.id], { CLAUDE_BOTTLE_MAX_SNAPSHOT: '1024' });
    expect(over.code).not.toBe(0);
    expect(over.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(over.stderr).toMatch(/snapshot cap/);
    expect(await everythingIn(env.home())).toEqual(before);
    expect(await readdir(bottlePaths(parent).checkpoints)).toEqual(checkpointsBefore);
  });

  it(
    'a fork whose launch fails is removed whole (state folder and container), and the error says none was made',
    { timeout: 300_000 },
    async () => {
      const { identity: parent } = await json<BottleView>(['start', 'worker', '--cwd', project, '--copy', '--detach', '--json']);
      await waitForAgent(parent);
      const checkpoint = await json<CheckpointView>(['checkpoint', parent, '--json']);
      const before = await everythingIn(env.home());
      // The agent changed since: its image must be built again for the fork, and that build fails.
      const agentDir = join(env.home(), 'agents', 'worker');
      await writeFile(join(agentDir, 'Dockerfile'), `${await readFile(join(agentDir, 'Dockerfile'), 'utf8')}RUN false\n`);
      const failed = await runCli(['fork', parent, '--from', checkpoint.id, '--count', '2', '--detach']);
      expect(failed.code).not.toBe(0);
      expect(failed.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(failed.stderr).toMatch(/2 of 2 forks of .* failed \(no fork was made\)/);
      expect(await everythingIn(env.home())).toEqual(before);
    },
  );
});
