import { link, readFile, realpath, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { ApplyResult, ChangeSet } from '../../src/shared/changes';
import { readBaseline } from '../../src/core/changes/baseline';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { walkFolder } from '../../src/core/changes/host-walk';
import { verifySnapshot } from '../../src/core/changes/snapshot-proof';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { writeTestAgent } from '../helpers/test-agents';

const env = useBottleTestEnv();

/** An agent that only idles: the test makes its edits, as an agent's shell would. */
const IDLE_SCRIPT = ['touch /tmp/agent-up', 'exec sleep 3600'].join('\n');

const START_FILES = { 'config.txt': 'safe=1\n', 'limits.txt': 'max=10\n', 'keep.txt': 'same\n', 'sub/deep.txt': 'deep\n' };

/** Half past a second an hour ago: `touch -d` with whole seconds lands in the same second, not on the same time. */
const PAST = new Date(Math.floor((Date.now() - 3600_000) / 1000) * 1000 + 500);

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, START_FILES);
  for (const path of Object.keys(START_FILES)) await utimes(join(project, path), PAST, PAST);
  await writeTestAgent({ name: 'idler', script: IDLE_SCRIPT });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'))).toEqual([]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function changedPaths(identity: string): Promise<{ source: string; paths: string[] }> {
  const set = await json<ChangeSet>(['diff', identity, '--json']);
  return { source: set.source, paths: set.files.map((file) => `${file.status} ${file.path}`) };
}

/**
 * Waits for the agent, and for the second after the container's start: a file changed in the very
 * second the bottle started has the ctime (in whole seconds) of one copied in before it, which the
 * running bottle's Changes cannot tell apart (a limit of its own, not this test's subject).
 */
async function agentUp(identity: string): Promise<void> {
  await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-up'])).exitCode).toBe(0), 30_000);
  const startedAt = Date.parse((await (await bottleContainer(identity)).inspect()).State.StartedAt);
  await eventually(async () => expect(Math.floor(Date.now() / 1000)).toBeGreaterThan(Math.floor(startedAt / 1000)), 5_000);
}

/** `YYYY-MM-DD hh:mm:ss` in UTC, as busybox's `touch -d` reads it. */
function utcSecond(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

const HIDDEN = ['modified config.txt', 'modified limits.txt'];

/** Same size, other content, the old time put back: by a reference file, and by a date in the baseline's second. */
const HIDE_EDITS = [
  'cd /workspace',
  'cp -p config.txt /tmp/ref',
  "printf 'evil=1\\n' > config.txt",
  'touch -r /tmp/ref config.txt',
  "printf 'max=99\\n' > limits.txt",
  `TZ=UTC touch -d '${utcSecond(PAST)}' limits.txt`,
].join(' && ');

describe.skipIf(skipWithoutDocker)('an edit hidden by keeping size and modification time, on a real engine', () => {
  it(
    'diff shows it running, stopped and resumed; apply writes it; a second look at the snapshot reads no content',
    { timeout: 300_000 },
    async () => {
      const { identity } = await json<BottleView>(['start', 'idler', '--cwd', project, '--copy', '--detach', '--json']);
      await agentUp(identity);
      expect((await execIn(await bottleContainer(identity), ['sh', '-c', HIDE_EDITS])).exitCode).toBe(0);
      expect(await changedPaths(identity)).toEqual({ source: 'container', paths: HIDDEN });

      expect((await runCli(['stop', identity])).code).toBe(0);
      const snapshot = bottlePaths(identity).workspace;
      expect(Math.floor((await stat(join(snapshot, 'config.txt'))).mtimeMs / 1000)).toBe(Math.floor(PAST.getTime() / 1000));
      expect(await changedPaths(identity)).toEqual({ source: 'snapshot', paths: HIDDEN });

      // The first look proved the untouched files by their content and wrote it down: the next
      // look (the CLI's, and this one) reads only the files whose content is not their start's.
      const proofFile = bottlePaths(identity).workspaceProof;
      const proof = JSON.parse(await readFile(proofFile, 'utf8')) as { proven: Record<string, string> };
      expect(Object.keys(proof.proven).sort()).toEqual(['keep.txt', 'sub/deep.txt']);
      const written = await stat(proofFile);
      expect(await changedPaths(identity)).toEqual({ source: 'snapshot', paths: HIDDEN });
      expect((await stat(proofFile)).mtimeMs).toBe(written.mtimeMs);
      const baseline = (await readBaseline(identity)) as Baseline;
      const walk = await walkFolder(snapshot, undefined);
      const again = await verifySnapshot(identity, baseline, snapshot, await realpath(snapshot), walk.entries.values());
      expect(again).toMatchObject({ forged: ['config.txt', 'limits.txt'], hashed: 2 });

      // A damaged proof file is ignored: proven again from the content, and written anew.
      await writeFile(proofFile, '{"version":1,"proven":');
      expect(await changedPaths(identity)).toEqual({ source: 'snapshot', paths: HIDDEN });
      expect(Object.keys((JSON.parse(await readFile(proofFile, 'utf8')) as typeof proof).proven).sort()).toEqual([
        'keep.txt',
        'sub/deep.txt',
      ]);

      // Resumed, the files come back from the snapshot before the start: still shown. The snapshot
      // file given a new time is replaced, never changed in place: a checkpoint's hard link keeps its own.
      const linked = join(await tempDir('hidden-edit-link-'), 'config.txt');
      await link(join(snapshot, 'config.txt'), linked);
      const linkedBefore = await stat(linked);
      expect((await runCli(['resume', identity, '--detach'])).code).toBe(0);
      expect((await stat(linked)).mtimeMs).toBe(linkedBefore.mtimeMs);
      await agentUp(identity);
      expect(await changedPaths(identity)).toEqual({ source: 'container', paths: HIDDEN });
      const content = await execIn(await bottleContainer(identity), ['cat', '/workspace/config.txt']);
      expect(content.output).toBe('evil=1\n');

      // Stopped again, apply writes the agent's versions (the project files are untouched: no conflict).
      expect((await runCli(['stop', identity])).code).toBe(0);
      expect(await changedPaths(identity)).toEqual({ source: 'snapshot', paths: HIDDEN });
      const applied = await json<ApplyResult>(['apply', identity, '--json']);
      expect(applied.counts).toMatchObject({ written: 2, conflicts: 0 });
      expect(await readFile(join(project, 'config.txt'), 'utf8')).toBe('evil=1\n');
      expect(await readFile(join(project, 'limits.txt'), 'utf8')).toBe('max=99\n');
    },
  );

  it('an exited bottle, listed from its archive (no ctime there), shows it too', { timeout: 180_000 }, async () => {
    await writeTestAgent({ name: 'hider', script: `${HIDE_EDITS}\nexit 0` });
    const { identity } = await json<BottleView>(['start', 'hider', '--cwd', project, '--copy', '--detach', '--json']);
    await eventually(async () => expect((await (await bottleContainer(identity)).inspect()).State.Running).toBe(false), 60_000);
    expect(await changedPaths(identity)).toEqual({ source: 'container-archive', paths: HIDDEN });
  });
});
