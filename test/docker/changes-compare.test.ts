import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { stateDir } from '../../src/core/state/state-paths';
import type { BottleComparison } from '../../src/shared/bottle-compare';
import type { BottleView } from '../../src/shared/bottle-view';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/** An agent that only idles: the test makes each bottle's changes itself, so the two differ exactly as told. */
const IDLE_SCRIPT = ['touch /tmp/agent-ready', 'exec sleep 3600'].join('\n');

const START_FILES = {
  'keep.txt': 'same in both\n',
  'shared.txt': 'one\ntwo\nthree\n',
  'both-same.txt': 'start\n',
  'sub/deep.txt': 'deep\n',
};

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, START_FILES);
  const past = new Date(Date.now() - 3600_000);
  for (const path of Object.keys(START_FILES)) await utimes(join(project, path), past, past);
  await writeTestAgent({ name: 'idle', script: IDLE_SCRIPT });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'))).toEqual([]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function startCopy(): Promise<string> {
  const { identity } = await json<BottleView>(['start', 'idle', '--cwd', project, '--copy', '--detach', '--json']);
  await eventually(
    async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-ready'])).exitCode).toBe(0),
    30_000,
  );
  return identity;
}

async function shell(identity: string, script: string): Promise<void> {
  const result = await execIn(await bottleContainer(identity), ['sh', '-c', `cd /workspace && ${script}`]);
  expect(result.exitCode).toBe(0);
}

/** What the comparison lists, in a form to compare whole. */
function listed(result: BottleComparison): string[][] {
  return result.files.map((file) => [file.status, file.path]);
}

/** Exactly one line of error, no stack, nothing on stdout. */
async function refused(args: string[], pattern: RegExp): Promise<void> {
  const result = await runCli(args);
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
}

describe.skipIf(skipWithoutDocker)('comparing two copy-mode bottles (issue 24: forks side by side), on a real engine', () => {
  it(
    'lists exactly the changed file and the one only in each, running or stopped; the family line reads forked-from.json',
    { timeout: 300_000 },
    async () => {
      const parent = await startCopy();
      // The operator edits a project file between the two starts: each bottle got another version.
      await writeFile(join(project, 'sub', 'deep.txt'), 'deep, edited before the second start\n');
      const child = await startCopy();
      await shell(
        parent,
        "printf 'one\\nTWO from parent\\nthree\\n' > shared.txt && echo parent > only-parent.txt && echo again > both-same.txt",
      );
      await shell(
        child,
        "printf 'one\\ntwo\\nthree\\nfour from child\\n' > shared.txt && echo child > sub/only-child.txt && echo again > both-same.txt",
      );

      const result = await json<BottleComparison>(['diff', parent, '--against', child, '--json']);
      expect(result).toMatchObject({ identity: parent, against: child, hereSource: 'container', thereSource: 'container' });
      expect(listed(result)).toEqual([
        ['only-here', 'only-parent.txt'],
        ['differs', 'shared.txt'],
        ['differs', 'sub/deep.txt'],
        ['only-there', 'sub/only-child.txt'],
      ]);
      const shared = result.files.find((file) => file.path === 'shared.txt');
      expect(shared).toMatchObject({
        hereText: 'one\nTWO from parent\nthree\n',
        thereText: 'one\ntwo\nthree\nfour from child\n',
        insertions: 2,
        deletions: 1,
      });
      expect(shared?.diff).toContain('-TWO from parent\n+two\n three\n+four from child');
      expect(result.totals).toEqual({ differs: 2, onlyHere: 1, onlyThere: 1, insertions: 4, deletions: 3 });

      const stat = await runCli(['diff', child, '--against', parent, '--stat']);
      expect(stat.code).toBe(0);
      expect(stat.stdout).toMatch(/> only-parent\.txt\s+\| only in /);
      expect(stat.stdout).toMatch(/< sub\/only-child\.txt\s+\| only in /);
      expect(stat.stdout).toContain(`${child} against ${parent}: 4 files differ`);

      // An agent's file name holding a terminal escape and a line feed is printed escaped, on one line of its own.
      await shell(parent, `touch "$(printf 'evil\\033[31mred\\nforged.txt')"`);
      const text = await runCli(['diff', parent, '--against', child]);
      expect(text.code).toBe(0);
      expect(text.stdout).not.toContain('\u001b');
      expect(text.stdout.split('\n').filter((line) => line.includes('forged.txt'))).toHaveLength(1);
      await shell(parent, 'rm evil*');

      // Stopped, the child is read from the snapshot its stop saved: the same three files.
      expect((await runCli(['stop', child])).code).toBe(0);
      const stopped = await json<BottleComparison>(['diff', parent, '--against', child, '--json']);
      expect(stopped.thereSource).toBe('snapshot');
      expect(listed(stopped)).toEqual(listed(result));

      // A fork made by hand: its state folder names its parent; a garbled one reads as no fork.
      await writeFile(
        join(stateDir(child), 'forked-from.json'),
        JSON.stringify({ parent, checkpoint: '20261204-200000-abcde', at: '2026-12-04T20:00:00.000Z' }),
      );
      const views = await env.listMine();
      expect(views.find((view) => view.identity === child)?.forkedFrom).toEqual({ parent, checkpoint: '20261204-200000-abcde' });
      expect(views.find((view) => view.identity === parent)?.forkedFrom).toBeNull();
      await writeFile(join(stateDir(child), 'forked-from.json'), '{"parent": "../../etc", "checkpoint": 1');
      expect((await env.listMine()).find((view) => view.identity === child)?.forkedFrom).toBeNull();
    },
  );

  it('refuses the same bottle, an unknown one and a mount-mode one in one line each', { timeout: 300_000 }, async () => {
    const copy = await startCopy();
    const { identity: mounted } = await json<BottleView>(['start', 'idle', '--cwd', project, '--detach', '--json']);
    await refused(['diff', copy, '--against', copy], /cannot compare bottle .* with itself/);
    await refused(['diff', copy, '--against', 'no-such-bottle'], /no-such-bottle/);
    await refused(['diff', copy, '--against', mounted], /mount mode/);
    await refused(['diff', mounted, '--against', copy], /mount mode/);
    await refused(['diff', copy, '--against', mounted, '--since-apply'], /--against compares two whole workspaces/);
    // A different project folder's bottle is not offered nor compared.
    const other = await tempDir('claude-bottle-other-project-');
    await writeTree(other, { 'x.txt': 'x\n' });
    const { identity: elsewhere } = await json<BottleView>(['start', 'idle', '--cwd', other, '--copy', '--detach', '--json']);
    await refused(['diff', copy, '--against', elsewhere], /different project folders/);
  });
});
