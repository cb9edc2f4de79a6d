import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { CheckpointRestore, CheckpointView } from '../../src/shared/checkpoints';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, eventually, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';
import { writeTestSettings } from '../helpers/test-settings';

/*
 * A hostile agent in a copy-mode bottle attacks `checkpoint` and `restore`: whatever it leaves in
 * /workspace and in its transcript folder, nothing may land outside the checkpoint folder (or the
 * bottle's state folder on restore), no program of its repository may run on the host, the
 * container must end unpaused, and the budget must hold.
 */

const env = useBottleTestEnv();

let project = '';
let outside = '';
beforeEach(async () => {
  project = env.project();
  outside = await tempDir('attack-outside-');
  await writeTree(project, { 'tracked.txt': 'start\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
});

async function json<T>(args: string[]): Promise<T> {
  const result = await runCli(args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function start(script: string): Promise<string> {
  await writeTestAgent({ name: 'hostile', script });
  const { identity } = await json<BottleView>(['start', 'hostile', '--cwd', project, '--copy', '--detach', '--json']);
  await eventually(async () => expect((await execIn(await bottleContainer(identity), ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);
  return identity;
}

async function sha(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Every entry under `root` (links not followed) with its kind; a FIFO or device would hang or reach hardware when read. */
async function kinds(root: string, prefix = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const name of await readdir(join(root, prefix))) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstat(join(root, rel));
    const kind = info.isSymbolicLink()
      ? 'link'
      : info.isDirectory()
        ? 'dir'
        : info.isFile()
          ? 'file'
          : info.isFIFO()
            ? 'fifo'
            : info.isCharacterDevice() || info.isBlockDevice()
              ? 'device'
              : 'other';
    found[rel] = kind;
    if (kind === 'dir') Object.assign(found, await kinds(root, rel));
  }
  return found;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

describe.skipIf(skipWithoutDocker)('attack: a hostile agent against checkpoint and restore, on a real engine', () => {
  it(
    'links out, hard links, FIFOs, devices, escape-named files, a transcript linked to /etc and a repository naming programs: nothing lands outside, nothing runs, the container runs on',
    { timeout: 300_000 },
    async () => {
      const marker = join(outside, 'pwned');
      const hooksMarker = join(outside, 'hook-ran');
      const script = [
        'cd /workspace',
        'ln -s /etc/passwd abs-link',
        `ln -s ${marker} abs-host-link`,
        'ln -s ../../../../../../../../tmp rel-link',
        'mkdir -p sub && ln -s ../../.. sub/up',
        'ln /etc/passwd hard-link 2>/dev/null || true',
        'echo inside > inner.txt && ln inner.txt inner-hard',
        'mkfifo fifo',
        'mknod null-dev c 1 3 2>/dev/null || true',
        'mknod disk-dev b 8 0 2>/dev/null || true',
        "printf 'x' > \"$(printf 'new\\nline\\033]0;title\\007\\033[31mred\\342\\200\\256txt')\"",
        // The repository's config names programs git would run if it opened it as itself.
        `printf '[core]\\n\\tfsmonitor = "touch ${marker}"\\n\\thooksPath = /workspace/hooks\\n[filter "x"]\\n\\tclean = touch ${marker}\\n' >> .git/config`,
        "printf '* filter=x\\n' > .gitattributes",
        `mkdir -p hooks && printf '#!/bin/sh\\ntouch ${hooksMarker}\\n' > hooks/post-index-change && chmod +x hooks/post-index-change`,
        `mkdir -p ${TEST_TRANSCRIPT_DIR} && ln -s /etc ${TEST_TRANSCRIPT_DIR}/etc-link && mkfifo ${TEST_TRANSCRIPT_DIR}/fifo`,
        // A folder that keeps swapping with a link out while the bottle runs.
        'mkdir -p swap && echo data > swap/f',
        '( while true; do mv swap swap.d 2>/dev/null; ln -s /etc swap 2>/dev/null; rm -f swap; mv swap.d swap 2>/dev/null; done ) &',
        'touch /tmp/agent-done',
        'exec sleep 3600',
      ].join('\n');
      const identity = await start(script);
      const passwd = await sha('/etc/passwd');
      const stateEntries = (await readdir(bottlePaths(identity).dir)).sort();

      const result = await runCli(['checkpoint', identity, '--json']);
      expect(result.code, result.stderr).toBe(0);
      const taken = JSON.parse(result.stdout) as CheckpointView;
      // The container is not left frozen.
      expect((await (await bottleContainer(identity)).inspect()).State.Status).toBe('running');
      // No program of the agent's repository ran on the host.
      expect(await exists(marker)).toBe(false);
      expect(await exists(hooksMarker)).toBe(false);
      expect(await sha('/etc/passwd')).toBe(passwd);

      const saved = join(bottlePaths(identity).checkpoints, taken.id);
      const tree = await kinds(join(saved, 'workspace'));
      // Links stay links, with their text; nothing was followed or written through them.
      expect(tree['abs-link']).toBe('link');
      expect(await readlink(join(saved, 'workspace', 'abs-link'))).toBe('/etc/passwd');
      expect(tree['rel-link']).toBe('link');
      expect(tree['sub/up']).toBe('link');
      // No FIFO or device file reached the host disk.
      expect(Object.entries(tree).filter(([, kind]) => kind === 'fifo' || kind === 'device' || kind === 'other')).toEqual([]);
      // A hard link to the container's /etc/passwd is the container's bytes, never the host's file.
      if (tree['hard-link'] !== undefined) expect((await lstat(join(saved, 'workspace', 'hard-link'))).nlink).toBeLessThanOrEqual(2);
      // The transcript: its link to /etc stays a link, its FIFO is not made on the host.
      const transcript = await kinds(join(saved, 'transcript'));
      expect(transcript['etc-link']).toBe('link');
      expect(Object.values(transcript).filter((kind) => kind === 'fifo' || kind === 'device')).toEqual([]);
      // The escape-named file is kept, under its own name, inside the checkpoint.
      expect(Object.keys(tree).some((name) => name.startsWith('new\nline'))).toBe(true);
      // Nothing new beside the bottle's state, and no staging folder or spool left.
      const added = (await readdir(bottlePaths(identity).dir)).filter((name) => !stateEntries.includes(name));
      expect(added.filter((name) => name !== 'checkpoints' && name !== 'journal.jsonl')).toEqual([]);
      expect(await readdir(bottlePaths(identity).checkpoints)).toEqual([taken.id]);
      expect((await readdir(saved)).filter((name) => name.startsWith('.'))).toEqual([]);

      // Restore: stopped, the checkpoint goes back into the state folder; links stay links there too.
      expect((await runCli(['stop', identity])).code).toBe(0);
      const restored = await json<CheckpointRestore>(['restore', identity, taken.id, '--json']);
      expect(restored.restored.id).toBe(taken.id);
      const back = await kinds(bottlePaths(identity).workspace);
      expect(back['abs-link']).toBe('link');
      expect(back['rel-link']).toBe('link');
      expect(back['sub/up']).toBe('link');
      expect(Object.entries(back).filter(([, kind]) => kind === 'fifo' || kind === 'device' || kind === 'other')).toEqual([]);
      expect(await exists(marker)).toBe(false);
      expect(await exists(hooksMarker)).toBe(false);
      expect(await sha('/etc/passwd')).toBe(passwd);
      expect(await readdir(outside)).toEqual([]);

      // Resumed from the restored state: the links go back into the container as links, never as the host files they name.
      const resumed = await runCli(['resume', identity, '--detach']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const container = await bottleContainer(identity);
      await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);
      const links = await execIn(container, [
        'sh',
        '-c',
        `test -L /workspace/abs-link && test -L /workspace/rel-link && test -L /workspace/sub/up && test -L ${TEST_TRANSCRIPT_DIR}/etc-link && echo links`,
      ]);
      expect(links.output.trim()).toBe('links');
      expect(await exists(marker)).toBe(false);
      expect(await exists(hooksMarker)).toBe(false);

      // The control: the payload is live. Plain git opening the checkpoint's copy as itself runs the agent's program.
      await git(join(saved, 'workspace'), 'status', '--porcelain').catch((_error: unknown) => '');
      expect(await exists(marker)).toBe(true);
    },
  );

  it(
    'a sparse file far past the budget, in the workspace and in the transcript: refused whole, nothing kept, unpaused',
    { timeout: 300_000 },
    async () => {
      await writeTestSettings({ maxCheckpointBytes: 8 * 1024 * 1024 });
      const script = [
        'cd /workspace',
        // 4 GiB that take no room in the container, but every byte of it in an archive.
        'dd if=/dev/zero of=sparse.bin bs=1 count=0 seek=4294967296 2>/dev/null',
        `mkdir -p ${TEST_TRANSCRIPT_DIR} && dd if=/dev/zero of=${TEST_TRANSCRIPT_DIR}/big.log bs=1 count=0 seek=4294967296 2>/dev/null`,
        'touch /tmp/agent-done',
        'exec sleep 3600',
      ].join('\n');
      const identity = await start(script);
      const result = await runCli(['checkpoint', identity]);
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/over its room|nothing was kept/);
      expect((await (await bottleContainer(identity)).inspect()).State.Status).toBe('running');
      expect(await readdir(bottlePaths(identity).checkpoints).catch(() => [])).toEqual([]);
    },
  );

  it(
    'a transcript folder that is itself a link to /etc: the checkpoint is kept with an empty transcript, nothing follows the link, and stop still saves the bottle',
    { timeout: 300_000 },
    async () => {
      const script = [
        'cd /workspace && echo ok > ok.txt',
        `rm -rf ${TEST_TRANSCRIPT_DIR} && mkdir -p $(dirname ${TEST_TRANSCRIPT_DIR}) && ln -s /etc ${TEST_TRANSCRIPT_DIR}`,
        'touch /tmp/agent-done',
        'exec sleep 3600',
      ].join('\n');
      const identity = await start(script);
      const passwd = await sha('/etc/passwd');
      // It failed every checkpoint and every stop with a raw EEXIST: the archive's top entry, a link,
      // was made over the temp folder the extraction had created.
      const result = await runCli(['checkpoint', identity, '--json']);
      expect(result.code, result.stderr).toBe(0);
      const taken = JSON.parse(result.stdout) as CheckpointView;
      const saved = join(bottlePaths(identity).checkpoints, taken.id);
      expect((await lstat(join(saved, 'transcript'))).isDirectory()).toBe(true);
      expect(await readdir(join(saved, 'transcript'))).toEqual([]);
      expect(await readFile(join(saved, 'workspace', 'ok.txt'), 'utf8')).toBe('ok\n');
      expect((await (await bottleContainer(identity)).inspect()).State.Status).toBe('running');
      const stopped = await runCli(['stop', identity]);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(await sha('/etc/passwd')).toBe(passwd);
      expect(await readdir(outside)).toEqual([]);
    },
  );
});
