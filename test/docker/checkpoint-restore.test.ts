import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { CheckpointList, CheckpointRestore, CheckpointView } from '../../src/shared/checkpoints';
import { bottlePaths, perBottleImageTag } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, copyFolderOut, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';
import { treeBytes } from '../helpers/tree-bytes';

const run = promisify(execFile);
const builtImages: string[] = [];
// The per-bottle images this file's bottles built are this test's own: removed, nothing else.
// Registered before the test env, so it runs after the env has removed the containers using them.
afterEach(async () => {
  // One may be gone already: the image-gone case removes it itself.
  for (const id of builtImages.splice(0)) await run('docker', ['image', 'rm', '--force', id]).catch(() => undefined);
});
const env = useBottleTestEnv();

/**
 * A stand-in agent whose first run edits the repository and writes its transcript; a resume
 * changes nothing, so what the resumed container holds is what the resume put there.
 */
const WORKER_SCRIPT = [
  'if [ "$1" = start ]; then',
  '  cd /workspace',
  "  echo 'agent edit' > tracked.txt",
  '  echo new > new.txt',
  '  ln -s tracked.txt link',
  `  mkdir -p ${TEST_TRANSCRIPT_DIR} && echo 'turn 1' > ${TEST_TRANSCRIPT_DIR}/log.txt`,
  'fi',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

/** Turn 2, as the agent would make it after checkpoint A: files edited, added, removed; the transcript grows. */
const TURN_TWO = [
  'cd /workspace',
  "echo 'turn 2 edit' > tracked.txt",
  'rm new.txt',
  'mkdir -p later && echo later > later/file.txt',
  `echo 'turn 2' >> ${TEST_TRANSCRIPT_DIR}/log.txt`,
].join(' && ');

let project = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'tracked.txt': 'start\n', 'keep.txt': 'same\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
  await writeTestAgent({ name: 'worker', script: WORKER_SCRIPT });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'))).toEqual([]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function waitForAgent(identity: string): Promise<void> {
  await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);
}

async function startWorker(copy = true): Promise<string> {
  const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, ...(copy ? ['--copy'] : []), '--detach', '--json']);
  await waitForAgent(identity);
  return identity;
}

async function resume(identity: string): Promise<void> {
  const result = await runCli(['resume', identity, '--detach']);
  expect(result.code, result.stderr).toBe(0);
  await waitForAgent(identity);
}

/** A folder of the running container, copied out to a fresh host folder, as its tree. */
async function liveTree(identity: string, source: string): Promise<Record<string, string>> {
  const dest = join(await tempDir('restore-live-'), 'copy');
  expect(await copyFolderOut(await bottleContainer(identity), source, dest)).toBe(true);
  return treeBytes(dest);
}

async function checkpointTree(identity: string, id: string, part: 'workspace' | 'transcript'): Promise<Record<string, string>> {
  return treeBytes(join(bottlePaths(identity).checkpoints, id, part));
}

/** Everything restore could change, for "nothing changed" checks. */
async function stateOf(identity: string): Promise<unknown> {
  const paths = bottlePaths(identity);
  return {
    checkpoints: (await readdir(paths.checkpoints).catch(() => [] as string[])).sort(),
    workspace: await treeBytes(paths.workspace).catch(() => null),
    transcript: await treeBytes(paths.transcript).catch(() => null),
    dockerfile: await readFile(paths.dockerfile, 'utf8').catch(() => null),
  };
}

function expectOneLineRefusal(result: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toContain('\u001b');
}

describe.skipIf(skipWithoutDocker)('restore of a copy-mode bottle to a checkpoint, on a real engine', () => {
  it(
    "the resumed container holds the checkpoint's workspace and transcript; the replaced state is kept as a checkpoint",
    { timeout: 300_000 },
    async () => {
      const identity = await startWorker();
      const a = await json<CheckpointView>(['checkpoint', identity, '--name', 'A', '--json']);
      const aWorkspace = await checkpointTree(identity, a.id, 'workspace');
      const aTranscript = await checkpointTree(identity, a.id, 'transcript');
      expect(aWorkspace['new.txt']).toBeDefined();

      expect((await execIn(await bottleContainer(identity), ['sh', '-c', TURN_TWO])).exitCode).toBe(0);
      expect((await runCli(['stop', identity])).code).toBe(0);
      const replacedWorkspace = await treeBytes(bottlePaths(identity).workspace);
      const replacedTranscript = await treeBytes(bottlePaths(identity).transcript);
      expect(replacedWorkspace).not.toEqual(aWorkspace);
      expect(replacedTranscript).not.toEqual(aTranscript);

      const result = await runCli(['restore', identity, 'A']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`${identity} goes back to checkpoint ${a.id} "A"`);
      expect(result.stdout).toMatch(/what it replaced is kept as checkpoint \d{8}-\d{6}-[a-z0-9]{5} "before restore of A"/);

      // The replaced state is a checkpoint like any other, and its files are what was replaced.
      const list = await json<CheckpointList>(['checkpoints', identity, '--json']);
      expect(list.checkpoints.map((view) => view.name)).toEqual(['A', 'before restore of A']);
      const before = list.checkpoints[1] as CheckpointView;
      expect(before.source).toBe('stopped');
      expect(await checkpointTree(identity, before.id, 'workspace')).toEqual(replacedWorkspace);
      expect(await checkpointTree(identity, before.id, 'transcript')).toEqual(replacedTranscript);
      // Nothing staged or set aside is left in the state folder.
      expect((await readdir(bottlePaths(identity).dir)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);

      await resume(identity);
      expect(await liveTree(identity, '/workspace')).toEqual(aWorkspace);
      expect(await liveTree(identity, TEST_TRANSCRIPT_DIR)).toEqual(aTranscript);

      // And back again, by id: the replaced state returns whole.
      expect((await runCli(['stop', identity])).code).toBe(0);
      const again = await json<CheckpointRestore>(['restore', identity, before.id, '--json']);
      expect(again).toMatchObject({ identity, restored: { id: before.id }, before: { name: `before restore of before restore of A` } });
      await resume(identity);
      expect(await liveTree(identity, '/workspace')).toEqual(replacedWorkspace);
      expect(await liveTree(identity, TEST_TRANSCRIPT_DIR)).toEqual(replacedTranscript);
    },
  );

  it(
    'a running bottle, bad input, a mount-mode bottle and no room for the kept state are refused in one line; nothing changes',
    {
      timeout: 300_000,
    },
    async () => {
      const identity = await startWorker();
      await json<CheckpointView>(['checkpoint', identity, '--name', 'A', '--json']);
      const running = await stateOf(identity);
      expectOneLineRefusal(
        await runCli(['restore', identity, 'A']),
        new RegExp(`is running: stop it first: claude-bottle stop ${identity}$`, 'm'),
      );
      expect(await stateOf(identity)).toEqual(running);
      expect((await (await bottleContainer(identity)).inspect()).State.Status).toBe('running');

      // Its agent gone, its container exited but still there: a resume would save that container's
      // files over the restored ones, so it is refused the same way; stop then removes the container.
      await (await bottleContainer(identity)).kill();
      await eventually(async () => expect((await (await bottleContainer(identity)).inspect()).State.Status).toBe('exited'));
      expectOneLineRefusal(
        await runCli(['restore', identity, 'A']),
        new RegExp(`is stopped but still has its container: stop it first: claude-bottle stop ${identity}$`, 'm'),
      );
      expect(await stateOf(identity)).toEqual(running);

      expect((await runCli(['stop', identity])).code).toBe(0);
      const stopped = await stateOf(identity);
      const refusals: [string[], RegExp][] = [
        [['restore', identity], /expected an identity and a checkpoint/],
        [['restore', identity, 'A', 'B'], /expected an identity and a checkpoint/],
        [['restore', 'no-such-bottle', 'A'], /no bottle|no-such-bottle/],
        [['restore', identity, 'no such name'], /has no checkpoint "no such name"/],
        [['restore', identity, '20990101-000000-zzzzz'], /has no checkpoint "20990101-000000-zzzzz"/],
        [['restore', identity, '../../metadata.json'], /has no checkpoint/],
        // Escaped, never sent raw to the terminal.
        [['restore', identity, 'bad\u001b[2Jname'], /has no checkpoint "bad\\+x1b\[2Jname"/],
      ];
      for (const [args, message] of refusals) {
        expectOneLineRefusal(await runCli(args), message);
        expect(await stateOf(identity), args.join(' ')).toEqual(stopped);
      }

      // The state it would replace cannot be kept (the budget is full): refused before anything changes.
      await writeTestSettings({ maxCheckpointBytes: 4096 });
      expectOneLineRefusal(await runCli(['restore', identity, 'A']), /no room for a checkpoint: .*maxCheckpointBytes in settings\.json/);
      expect(await stateOf(identity)).toEqual(stopped);
      await writeTestSettings();

      // A checkpoint that cannot be copied back (a FIFO in its transcript: the workspace is staged
      // already when the copy fails): the restore fails in one line and the bottle is as it was;
      // only the kept "before restore" checkpoint is new, and nothing staged is left behind.
      const broken = await json<CheckpointView>(['checkpoint', identity, '--name', 'broken', '--json']);
      await run('mkfifo', [join(bottlePaths(identity).checkpoints, broken.id, 'transcript', 'pipe')]);
      const beforeBroken = (await stateOf(identity)) as { checkpoints: string[] };
      // Its progress line went to stdout before the copy failed; the failure is one line on stderr.
      const failed = await runCli(['restore', identity, 'broken']);
      expect(failed.code).toBe(1);
      expect(failed.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(failed.stderr).toMatch(/restore of .* failed, nothing was changed \(the state it had is kept as checkpoint /);
      const afterBroken = (await stateOf(identity)) as { checkpoints: string[] };
      expect({ ...afterBroken, checkpoints: [] }).toEqual({ ...beforeBroken, checkpoints: [] });
      expect(afterBroken.checkpoints).toHaveLength(beforeBroken.checkpoints.length + 1);
      expect((await json<CheckpointList>(['checkpoints', identity, '--json'])).checkpoints.at(-1)?.name).toBe('before restore of broken');
      expect((await readdir(bottlePaths(identity).dir)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);

      const mount = await startWorker(false);
      expect((await runCli(['stop', mount])).code).toBe(0);
      // A mount-mode bottle's restore writes the operator's folder: never without --yes (checkpoint-mount.test.ts has the rest).
      expect((await runCli(['checkpoint', mount, '--name', 'A'])).code).toBe(0);
      expectOneLineRefusal(
        await runCli(['restore', mount, 'A']),
        /mount-mode bottle: restore writes your project folder .*; run again with --yes$/m,
      );
    },
  );

  it(
    "brings back the bottle's own Dockerfile and the image it built; an image gone is said in one line and rebuilt",
    {
      timeout: 300_000,
    },
    async () => {
      const identity = await startWorker();
      expect((await runCli(['stop', identity])).code).toBe(0);
      const paths = bottlePaths(identity);
      const agentDockerfile = await readFile(paths.runDockerfile, 'utf8');
      const flavored = (flavor: string): string => `${agentDockerfile}RUN echo ${flavor} > /etc/flavor\n`;
      const flavorOf = async (): Promise<string> => (await execIn(await bottleContainer(identity), ['cat', '/etc/flavor'])).output.trim();
      const imageOf = async (): Promise<string> => (await (await bottleContainer(identity)).inspect()).Image;

      // Its own Dockerfile, as an approval leaves it; the resume builds the bottle's image from it.
      await writeFile(paths.dockerfile, flavored('one'));
      await resume(identity);
      const one = await imageOf();
      builtImages.push(one);
      expect(await flavorOf()).toBe('one');
      const a = await json<CheckpointView>(['checkpoint', identity, '--name', 'one', '--json']);
      expect(a).toMatchObject({ dockerfile: 'own', image: { reference: perBottleImageTag(identity), id: one } });

      expect((await runCli(['stop', identity])).code).toBe(0);
      await writeFile(paths.dockerfile, flavored('two'));
      await resume(identity);
      const two = await imageOf();
      builtImages.push(two);
      expect(two).not.toBe(one);
      expect((await runCli(['stop', identity])).code).toBe(0);

      // Back to "one": its Dockerfile, and the very image it ran (no rebuild).
      const back = await json<CheckpointRestore>(['restore', identity, 'one', '--json']);
      expect(back.image).toBe('kept');
      expect(back.before).toMatchObject({ dockerfile: 'own', image: { id: two } });
      expect(await readFile(paths.dockerfile, 'utf8')).toBe(flavored('one'));
      await resume(identity);
      expect(await imageOf()).toBe(one);
      expect(await flavorOf()).toBe('one');

      // Forward to "two" after its image is gone: said in one line, the Dockerfile comes back, and the resume builds it again.
      expect((await runCli(['stop', identity])).code).toBe(0);
      await run('docker', ['image', 'rm', '--force', two]);
      const forward = await runCli(['restore', identity, back.before.id]);
      expect(forward.code, forward.stderr).toBe(0);
      expect(forward.stdout.split('\n').filter((line) => line.includes('is gone from the engine'))).toHaveLength(1);
      expect(await readFile(paths.dockerfile, 'utf8')).toBe(flavored('two'));
      await resume(identity);
      builtImages.push(await imageOf());
      expect(await flavorOf()).toBe('two');
    },
  );
});
