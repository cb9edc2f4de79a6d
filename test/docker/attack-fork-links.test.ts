import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BottleView } from '../../src/shared/bottle-view';
import type { CheckpointView } from '../../src/shared/checkpoints';
import type { ForkResult } from '../../src/shared/forks';
import { bottlePaths } from '../../src/core/state/state-paths';
import { useBottleTestEnv } from '../helpers/bottle-test-env';
import { git, tempDir, writeTree } from '../helpers/changes-fixtures';
import { bottleContainer, execIn } from '../helpers/docker-exec';
import { skipWithoutDocker } from '../helpers/docker-available';
import { cliJson as json, waitForAgent } from '../helpers/fork-fixtures';
import { runCli } from '../helpers/run-cli';
import { TEST_TRANSCRIPT_DIR, writeTestAgent } from '../helpers/test-agents';

/*
 * Hostile agents against fork (issue 24 item 2). A fork's state folder holds the parent's
 * checkpoint hard-linked (linkTree), so the parent's checkpoint, every fork made from it and the
 * fork's own snapshots share inodes until the fork's first stop saves new ones. The attack: the
 * parent leaves links out (absolute, ../, to a host path), a FIFO and a name with a newline and
 * escapes; fork A's agent then rewrites every file it has, in place and through every link. No
 * byte of the parent's checkpoint, of fork B, or of the host outside may change, and no host file
 * may appear in a fork.
 */

const env = useBottleTestEnv();
const T = TEST_TRANSCRIPT_DIR;

function script(marker: string): string {
  return [
    'mode=$1; shift',
    'if [ "$mode" = start ]; then',
    '  cd /workspace',
    '  echo "parent file" > shared.txt && mkdir -p deep/er && echo "deep file" > deep/er/f.txt',
    '  ln -s /etc/passwd abs-link',
    `  ln -s ${marker} host-link`,
    '  ln -s ../../../../../../../tmp up-link',
    '  ln -s .. deep/parent-link',
    '  mkfifo fifo',
    "  printf 'odd' > \"$(printf 'new\\nline\\033[31m\\342\\200\\256.txt')\"",
    '  echo hard > hard-a && ln hard-a hard-b',
    `  mkdir -p ${T}/sub && echo "turn 1 by the parent" > ${T}/log.txt && echo nested > ${T}/sub/n.txt`,
    `  ln -s / ${T}/root-link && mkfifo ${T}/fifo`,
    'fi',
    'if [ "$mode" = fork ] && [ "$2" = attack ]; then',
    // Every file this fork has, rewritten in place (">" truncates the same inode), then appended to through every link.
    `  find /workspace ${T} -type f | while IFS= read -r f; do printf pwned > "$f"; done`,
    '  cd /workspace && for l in abs-link host-link up-link deep/parent-link; do echo pwned >> "$l" 2>/dev/null; done',
    `  echo pwned > ${T}/root-link/tmp/through-root 2>/dev/null`,
    '  chmod 777 shared.txt deep/er/f.txt 2>/dev/null',
    'fi',
    'if [ "$mode" = fork ]; then cat /workspace/shared.txt > /tmp/seen; fi',
    'touch /tmp/agent-done',
    'exec sleep 3600',
  ].join('\n');
}

/** Every entry under `root`, links not followed: files as their content's hash and mode, links and others by kind. */
async function fingerprint(root: string, prefix = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstat(join(root, rel));
    if (info.isDirectory()) Object.assign(found, await fingerprint(root, rel));
    else if (info.isFile())
      found[rel] = `${(info.mode & 0o777).toString(8)} ${createHash('sha256')
        .update(await readFile(join(root, rel)))
        .digest('hex')}`;
    else found[rel] = info.isSymbolicLink() ? 'link' : 'other';
  }
  return found;
}

/** Inode numbers of every regular file under `root` (what a hard link shares). */
async function inodes(root: string, prefix = ''): Promise<Set<number>> {
  const found = new Set<number>();
  for (const name of await readdir(join(root, prefix))) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const info = await lstat(join(root, rel));
    if (info.isDirectory()) for (const inode of await inodes(root, rel)) found.add(inode);
    else if (info.isFile()) found.add(info.ino);
  }
  return found;
}

let project = '';
let outside = '';
beforeEach(async () => {
  project = env.project();
  outside = await tempDir('attack-fork-outside-');
  await writeTree(project, { 'tracked.txt': 'start\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
});

describe.skipIf(skipWithoutDocker)('attack: hostile agents against fork, on a real engine', () => {
  it(
    "fork A rewriting every file in place and through every link changes nothing of the parent's checkpoint, of fork B, nor of the host",
    { timeout: 600_000 },
    async () => {
      const marker = join(outside, 'pwned');
      await writeTestAgent({
        name: 'hostile',
        script: script(marker),
        extraConfig: { forkCommand: ['sh', '/usr/bin/agent.sh', 'fork'], promptArgs: ['--', '{prompt}'] },
      });
      const { identity: parent } = await json<BottleView>(['start', 'hostile', '--cwd', project, '--copy', '--detach', '--json']);
      await waitForAgent(parent);
      const checkpoint = await json<CheckpointView>(['checkpoint', parent, '--name', 'planted', '--json']);
      const saved = join(bottlePaths(parent).checkpoints, checkpoint.id);
      const passwd = await readFile('/etc/passwd', 'utf8');
      const savedBefore = {
        workspace: await fingerprint(join(saved, 'workspace')),
        transcript: await fingerprint(join(saved, 'transcript')),
      };
      // The checkpoint kept the links as links and left the FIFOs out.
      expect(savedBefore.workspace).toMatchObject({
        'abs-link': 'link',
        'host-link': 'link',
        'up-link': 'link',
        'deep/parent-link': 'link',
      });
      expect(Object.values(savedBefore.workspace)).not.toContain('other');
      expect(Object.values(savedBefore.transcript)).not.toContain('other');

      const [a] = (
        await json<ForkResult>(['fork', parent, '--from', 'planted', '--name', 'fa', '--prompt', 'attack', '--detach', '--json'])
      ).forks;
      const [b] = (await json<ForkResult>(['fork', parent, '--from', 'planted', '--name', 'fb', '--prompt', 'calm', '--detach', '--json']))
        .forks;
      if (a === undefined || b === undefined) throw new Error('no fork');
      await waitForAgent(a.identity);
      await waitForAgent(b.identity);
      // Fork B shares the parent's checkpoint inodes in its state folder until its first stop.
      const bState = bottlePaths(b.identity);
      const bBefore = await fingerprint(bState.workspace);
      expect(bBefore).toEqual(savedBefore.workspace);
      // A rewrote its own copy (the attack ran) ...
      expect((await execIn(await bottleContainer(a.identity), ['cat', '/workspace/shared.txt'])).output).toBe('pwned');

      // ... and its stop saves its snapshots: new files, never written through the shared inodes.
      expect((await runCli(['stop', a.identity])).code).toBe(0);
      const aState = bottlePaths(a.identity);
      expect(await readFile(join(aState.workspace, 'shared.txt'), 'utf8')).toBe('pwned');
      expect(await readFile(join(aState.transcript, 'log.txt'), 'utf8')).toBe('pwned');
      const shared = await inodes(join(saved, 'workspace'));
      for (const inode of await inodes(aState.workspace)) expect(shared.has(inode)).toBe(false);

      // A checkpoint of the stopped fork A and a restore of it: still nothing of the others changes.
      const own = await json<CheckpointView>(['checkpoint', a.identity, '--json']);
      expect((await runCli(['restore', a.identity, own.id])).code).toBe(0);

      expect({ workspace: await fingerprint(join(saved, 'workspace')), transcript: await fingerprint(join(saved, 'transcript')) }).toEqual(
        savedBefore,
      );
      expect(await fingerprint(bState.workspace)).toEqual(bBefore);
      expect((await execIn(await bottleContainer(b.identity), ['cat', '/tmp/seen'])).output).toBe('parent file\n');
      expect((await execIn(await bottleContainer(b.identity), ['cat', `${T}/log.txt`])).output).toBe('turn 1 by the parent\n');
      // The parent's own container and its saved transcript are its own.
      expect((await execIn(await bottleContainer(parent), ['cat', '/workspace/shared.txt'])).output).toBe('parent file\n');
      // Nothing on the host: no marker through the host link, /etc/passwd as it was, no FIFO made in any state folder.
      expect(await stat(marker).catch(() => null)).toBeNull();
      expect(await readFile('/etc/passwd', 'utf8')).toBe(passwd);
      expect(await readdir(outside)).toEqual([]);
      for (const dir of [aState.workspace, aState.transcript, bState.workspace, bState.transcript])
        expect(Object.values(await fingerprint(dir))).not.toContain('other');
      // A fork never sees a host file: its links stay links in its container.
      const inB = await execIn(await bottleContainer(b.identity), [
        'sh',
        '-c',
        `test -L /workspace/host-link && test -L ${T}/root-link && echo links`,
      ]);
      expect(inB.output.trim()).toBe('links');
    },
  );
});
