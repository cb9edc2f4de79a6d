import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleDetail, BottleView } from '../../src/shared/bottle-view';
import type { CheckpointList, CheckpointView } from '../../src/shared/checkpoints';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, copyFolderOut, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';
import { treeBytes } from '../helpers/tree-bytes';

const env = useBottleTestEnv();
const run = promisify(execFile);

/**
 * An agent that changes its repository (one tracked file edited, one file added, a binary and a
 * link), writes its transcript, records its own PID, then keeps a process running: the same
 * process must be there, with the same PID, after every checkpoint.
 */
const WORKER_SCRIPT = [
  'cd /workspace',
  "echo 'agent edit' > tracked.txt",
  'echo new > new.txt',
  "printf '\\000\\001\\377binary' > blob.bin",
  'ln -s tracked.txt link',
  `mkdir -p ${TEST_TRANSCRIPT_DIR} && echo 'turn 1: edited tracked.txt' > ${TEST_TRANSCRIPT_DIR}/log.txt`,
  'echo $$ > /tmp/agent-pid',
  'touch /tmp/agent-done',
  'exec sleep 3600',
].join('\n');

let project = '';
let head = '';
beforeEach(async () => {
  project = env.project();
  await writeTree(project, { 'tracked.txt': 'start\n', 'keep.txt': 'same\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
  head = (await git(project, 'rev-parse', 'HEAD')).trim();
  await writeTestAgent({ name: 'worker', script: WORKER_SCRIPT });
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.stderr.split('\n').filter((line) => line.startsWith('claude-bottle:'))).toEqual([]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function startWorker(copy = true): Promise<string> {
  const { identity } = await json<BottleView>(['start', 'worker', '--cwd', project, ...(copy ? ['--copy'] : []), '--detach', '--json']);
  await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 30_000);
  return identity;
}

/** The agent's process: its PID as it wrote it, what runs there now, and the container's own view of itself. */
async function agentProcess(
  identity: string,
): Promise<{ pid: string; command: string; state: string; hostPid: number; startedAt: string }> {
  const container = await bottleContainer(identity);
  const pid = (await execIn(container, ['cat', '/tmp/agent-pid'])).output.trim();
  const command = (await execIn(container, ['sh', '-c', `tr '\\0' ' ' < /proc/${pid}/cmdline`])).output.trim();
  const inspected = await container.inspect();
  return { pid, command, state: inspected.State.Status, hostPid: inspected.State.Pid, startedAt: inspected.State.StartedAt };
}

/** What the engine logged of pause and unpause for the container between two times (seconds). */
async function pauseEvents(identity: string, since: number, until: number): Promise<string[]> {
  const container = await bottleContainer(identity);
  const { stdout } = await run('docker', [
    'events',
    '--since',
    String(since),
    '--until',
    String(until),
    '--filter',
    `container=${container.id}`,
    '--format',
    '{{.Action}}',
  ]);
  return stdout.split('\n').filter((action) => action === 'pause' || action === 'unpause');
}

async function checkpointNames(identity: string): Promise<string[]> {
  return (await readdir(bottlePaths(identity).checkpoints).catch(() => [] as string[])).sort();
}

describe.skipIf(skipWithoutDocker)('checkpoints of a copy-mode bottle, on a real engine', () => {
  it(
    'a running bottle is paused only for the copy, keeps its process, and its files, transcript, Dockerfile, image and git state match the checkpoint',
    { timeout: 300_000 },
    async () => {
      const identity = await startWorker();
      const before = await agentProcess(identity);
      expect(before.command).toBe('sleep 3600');

      const since = Math.floor(Date.now() / 1000) - 1;
      const taken = await json<CheckpointView>(['checkpoint', identity, '--name', 'after turn 1', '--json']);
      const until = Math.ceil(Date.now() / 1000) + 1;
      expect(taken).toMatchObject({ identity, name: 'after turn 1', source: 'running', dockerfile: 'agent' });
      expect(taken.saved).toEqual({ workspace: true, transcript: true, dockerfile: true });
      expect(taken.pausedMs).not.toBeNull();
      // The engine paused it once and unpaused it once; it runs on, the same process with the same PID.
      expect(
        await eventually(async () => {
          const events = await pauseEvents(identity, since, until);
          expect(events).toEqual(['pause', 'unpause']);
          return events;
        }),
      ).toEqual(['pause', 'unpause']);
      expect(await agentProcess(identity)).toEqual(before);

      // Byte for byte: the container's /workspace as it is now (the agent only sleeps) and the checkpoint's copy.
      const saved = join(bottlePaths(identity).checkpoints, taken.id);
      const live = join(await tempDir('checkpoint-live-'), 'workspace');
      expect(await copyFolderOut(await bottleContainer(identity), '/workspace', live)).toBe(true);
      const savedTree = await treeBytes(join(saved, 'workspace'));
      expect(savedTree).toEqual(await treeBytes(live));
      expect(savedTree['blob.bin']).toContain(Buffer.from('\u0000\u0001\u00ffbinary', 'latin1').toString('base64'));
      expect(savedTree['link']).toBe('link tracked.txt');
      expect(await readFile(join(saved, 'transcript', 'log.txt'), 'utf8')).toBe('turn 1: edited tracked.txt\n');
      expect(await readFile(join(saved, 'Dockerfile'), 'utf8')).toBe(await readFile(bottlePaths(identity).runDockerfile, 'utf8'));
      const inspected = await (await bottleContainer(identity)).inspect();
      expect(taken.image).toEqual({ reference: inspected.Config.Image, id: inspected.Image });
      expect(taken.git).toEqual({
        head,
        branch: 'main',
        status: expect.arrayContaining([' M tracked.txt', '?? new.txt', '?? blob.bin', '?? link']) as string[],
        statusTruncated: false,
      });
      expect(taken.git?.status).toHaveLength(4);
      expect(taken.sizes.workspace).toBeGreaterThan(0);
      expect(taken.sizes.total).toBeGreaterThanOrEqual(taken.sizes.workspace + taken.sizes.transcript);
      // The manifest on disk is what the command printed.
      expect(JSON.parse(await readFile(join(saved, 'manifest.json'), 'utf8'))).toEqual(taken);
      // Nothing half-made is left beside it or in it (the archives spooled during the pause are gone).
      expect(await checkpointNames(identity)).toEqual([taken.id]);
      expect((await readdir(saved)).sort()).toEqual(['Dockerfile', 'manifest.json', 'transcript', 'workspace']);
    },
  );

  it(
    'lists with name, time and size, counts in show, drops by id or name; bad input gets one line and changes nothing',
    { timeout: 300_000 },
    async () => {
      const identity = await startWorker();
      const first = await json<CheckpointView>(['checkpoint', identity, '--json']);
      const second = await json<CheckpointView>(['checkpoint', identity, '--name', 'second', '--json']);

      const list = await json<CheckpointList>(['checkpoints', identity, '--json']);
      expect(list.checkpoints.map((view) => [view.id, view.name])).toEqual([
        [first.id, null],
        [second.id, 'second'],
      ]);
      expect(list.totalBytes).toBe(first.sizes.total + second.sizes.total);
      const table = await runCli(['checkpoints', identity]);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^ID\s+TAKEN \(UTC\)\s+SIZE\s+GIT HEAD\s+NAME$/m);
      expect(table.stdout).toContain(`${second.id}  ${second.at.slice(0, 19).replace('T', ' ')}`);
      expect(table.stdout).toMatch(/second$/m);
      expect(table.stdout).toMatch(/^2 checkpoints, .* of a 10 GiB budget$/m);

      const detail = await json<BottleDetail>(['show', identity, '--json']);
      expect(detail.checkpoints).toEqual({ count: 2, bytes: list.totalBytes });
      // The state folder's size counts them: its disk use is the bottle's.
      expect(detail.stateBytes).toBeGreaterThan(list.totalBytes);
      expect((await runCli(['show', identity])).stdout).toMatch(/^checkpoints:\s+2 \(/m);

      // Refused, each with one line, and nothing changes.
      const names = await checkpointNames(identity);
      const refusals: [string[], RegExp][] = [
        [['checkpoint', 'no-such-bottle'], /no bottle|no-such-bottle/],
        [['checkpoint', identity, '--name', 'bad\u001b[2Jname'], /invalid checkpoint name .*control/],
        [['checkpoint', identity, '--name', 'x'.repeat(101)], /at most 100 characters/],
        [['checkpoint', identity, '--name', '   '], /cannot be empty/],
        [['checkpoint', identity, '--drop', '20990101-000000-zzzzz'], /has no checkpoint "20990101-000000-zzzzz"/],
        [['checkpoint', identity, '--drop', '../../metadata.json'], /has no checkpoint/],
        [['checkpoint', identity, '--drop', 'second', '--name', 'x'], /--name or --drop, not both/],
        [['checkpoints', 'no-such-bottle'], /no bottle|no-such-bottle/],
      ];
      for (const [args, message] of refusals) {
        const result = await runCli(args);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(message);
        expect(await checkpointNames(identity)).toEqual(names);
      }
      expect((await agentProcess(identity)).state).toBe('running');

      // Dropped by name, then by id: gone from the list and from the disk.
      expect((await runCli(['checkpoint', identity, '--drop', 'second'])).stdout).toContain(`dropped checkpoint ${second.id} "second"`);
      expect(await checkpointNames(identity)).toEqual([first.id]);
      expect((await json<CheckpointView>(['checkpoint', identity, '--drop', first.id, '--json'])).id).toBe(first.id);
      expect((await json<CheckpointList>(['checkpoints', identity, '--json'])).checkpoints).toEqual([]);
      expect(await checkpointNames(identity)).toEqual([]);
    },
  );

  it('a checkpoint past the budget is refused whole, and the bottle is unpaused and runs on', { timeout: 300_000 }, async () => {
    await writeTestSettings({ maxCheckpointBytes: 4096 });
    const identity = await startWorker();
    const before = await agentProcess(identity);
    const result = await runCli(['checkpoint', identity]);
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/nothing was kept: .*budget \(maxCheckpointBytes in settings\.json\)/);
    expect(await checkpointNames(identity)).toEqual([]);
    expect(await agentProcess(identity)).toEqual(before);
  });

  it(
    'a container paused by someone else stays paused; one a killed checkpoint left paused is unpaused by the next',
    { timeout: 300_000 },
    async () => {
      const identity = await startWorker();
      const before = await agentProcess(identity);
      const container = await bottleContainer(identity);
      await container.pause();
      const theirs = await json<CheckpointView>(['checkpoint', identity, '--json']);
      expect(theirs).toMatchObject({ source: 'running', pausedMs: null });
      expect((await container.inspect()).State.Status).toBe('paused');

      // A checkpoint whose process was killed mid-copy: its staging folder, and the container still paused.
      await mkdir(join(bottlePaths(identity).checkpoints, '.tmp-checkpoint-999999999-0123456789ab', 'workspace'), { recursive: true });
      const after = await json<CheckpointView>(['checkpoint', identity, '--json']);
      expect(after.pausedMs).not.toBeNull();
      expect(await agentProcess(identity)).toEqual(before);
      expect(await checkpointNames(identity)).toEqual([theirs.id, after.id].sort());
    },
  );

  it('a stopped bottle is checkpointed from its saved snapshots, with its image', { timeout: 300_000 }, async () => {
    const identity = await startWorker();
    expect((await runCli(['stop', identity])).code).toBe(0);
    const taken = await json<CheckpointView>(['checkpoint', identity, '--json']);
    expect(taken).toMatchObject({ source: 'stopped', pausedMs: null, dockerfile: 'agent' });
    expect(taken.saved).toEqual({ workspace: true, transcript: true, dockerfile: true });
    expect(taken.image.reference).toMatch(/^claude-bottle-agent-worker:/);
    expect(taken.image.id).toMatch(/^sha256:/);
    const saved = join(bottlePaths(identity).checkpoints, taken.id);
    expect(await treeBytes(join(saved, 'workspace'))).toEqual(await treeBytes(bottlePaths(identity).workspace));
    expect(await treeBytes(join(saved, 'transcript'))).toEqual(await treeBytes(bottlePaths(identity).transcript));
    expect(taken.git?.head).toBe(head);
  });
});
