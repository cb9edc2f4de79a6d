import { lstat, mkdir, readdir, readFile, readlink, stat } from 'node:fs/promises';
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
import { writeTestAgent } from '../helpers/test-agents';

/*
 * A hostile agent in a mount-mode bottle against checkpoint and restore (issue 24 item 3): it
 * writes the operator's own folder, so between a checkpoint and its restore it swaps a folder the
 * checkpoint has files in for a link out of the project, makes a checkpointed file a hard link to
 * another file of the project, puts a folder with its newer work where a checkpointed file was,
 * and leaves a FIFO and names with newlines and escapes. The restore must write only inside the
 * project folder, through no link, into no shared inode, and lose nothing (what it replaced is a
 * checkpoint of its own).
 */

const env = useBottleTestEnv();
const ODD = 'odd\nname\u001b[31m\u202e.txt';

/** The project folder as text, `.git` left out: files as content, links as targets, others by kind. */
async function folder(dir: string, prefix = ''): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    if (path === '.git') continue;
    const info = await lstat(join(dir, path));
    if (info.isSymbolicLink()) tree[path] = `-> ${await readlink(join(dir, path))}`;
    else if (info.isDirectory()) Object.assign(tree, await folder(dir, path));
    else if (info.isFile()) tree[path] = await readFile(join(dir, path), 'utf8');
    else tree[path] = 'other';
  }
  return tree;
}

let project = '';
let outside = '';
beforeEach(async () => {
  project = env.project();
  outside = await tempDir('attack-mount-outside-');
  await writeTree(project, { 'src/main.c': 'int main;\n', 'keep.txt': 'keep\n', 'note.txt': 'note\n', 'hard.txt': 'hard\n' });
  await git(project, 'init', '-q');
  await git(project, 'add', '.');
  await git(project, 'commit', '-q', '-m', 'start');
});

describe.skipIf(skipWithoutDocker)('attack: a hostile agent against mount-mode checkpoint and restore, on a real engine', () => {
  it(
    'a folder swapped for a link out, a hard link to another file, a folder over a file, a FIFO and odd names: restore writes only inside, loses nothing',
    { timeout: 300_000 },
    async () => {
      await writeTestAgent({ name: 'hostile', script: 'touch /tmp/agent-done\nexec sleep 3600' });
      const started = await runCli(['start', 'hostile', '--cwd', project, '--detach', '--json']);
      expect(started.code, started.stderr).toBe(0);
      const { identity } = JSON.parse(started.stdout) as BottleView;
      const container = await bottleContainer(identity);
      await eventually(async () => expect((await execIn(container, ['ls', '/tmp/agent-done'])).exitCode).toBe(0), 60_000);
      const asAgent = async (command: string): Promise<void> => {
        const result = await execIn(container, ['sh', '-c', `cd /workspace && ${command}`], String(process.getuid?.() ?? 0));
        expect(result.exitCode, result.output).toBe(0);
      };

      // Turn 1: edits the checkpoint will hold, a FIFO and an oddly named file among them.
      await asAgent(
        "echo 'int main(void);' > src/main.c && echo 'note 1' > note.txt && echo 'hard 1' > hard.txt && mkfifo pipe && printf odd > \"$(printf 'odd\\nname\\033[31m\\342\\200\\256.txt')\"",
      );
      const atA = await folder(project);
      const taken = await runCli(['checkpoint', identity, '--name', 'A', '--json']);
      expect(taken.code, taken.stderr).toBe(0);
      const a = JSON.parse(taken.stdout) as CheckpointView;
      expect(await folder(join(bottlePaths(identity).checkpoints, a.id, 'workspace'))).toEqual({
        'hard.txt': 'hard 1\n',
        'note.txt': 'note 1\n',
        [ODD]: 'odd',
        'src/main.c': 'int main(void);\n',
      });

      // Turn 2: the attack. `src` becomes a link to a host folder holding a main.c of its own; hard.txt
      // becomes a hard link to keep.txt; note.txt a folder with the agent's newer work.
      await writeTree(outside, { 'main.c': 'outside\n' });
      await asAgent(
        `rm -r src && ln -s ${outside} src && rm hard.txt && ln keep.txt hard.txt && rm note.txt && mkdir note.txt && echo 'newer work' > note.txt/inner.txt`,
      );
      expect((await runCli(['stop', identity])).code).toBe(0);
      const replaced = await folder(project);
      const keepInode = (await stat(join(project, 'keep.txt'))).ino;

      const restored = await runCli(['restore', identity, 'A', '--yes']);
      expect(restored.code, `${restored.signal} ${restored.stdout} ${restored.stderr}`).toBe(0);
      expect(restored.stdout + restored.stderr).not.toMatch(/[\u001b\u202e]/);
      // The folder is checkpoint A again: src a real folder, hard.txt its own file, note.txt a file.
      expect(await folder(project)).toEqual(atA);
      expect((await lstat(join(project, 'src'))).isDirectory()).toBe(true);
      expect((await lstat(join(project, 'pipe'))).isFIFO()).toBe(true);
      // Nothing written outside, nor into the inode hard.txt shared with keep.txt.
      expect(await folder(outside)).toEqual({ 'main.c': 'outside\n' });
      expect(await readFile(join(project, 'keep.txt'), 'utf8')).toBe('keep\n');
      expect((await stat(join(project, 'keep.txt'))).ino).toBe(keepInode);
      expect((await stat(join(project, 'hard.txt'))).ino).not.toBe(keepInode);

      // Nothing lost: what the restore replaced is a checkpoint of its own, the agent's newer work in it.
      const list = JSON.parse((await runCli(['checkpoints', identity, '--json'])).stdout) as CheckpointList;
      const before = list.checkpoints.find((checkpoint) => checkpoint.name === 'before restore of A');
      if (before === undefined) throw new Error('no checkpoint of the replaced state');
      const kept = await folder(join(bottlePaths(identity).checkpoints, before.id, 'workspace'));
      expect(kept).toMatchObject({ 'note.txt/inner.txt': 'newer work\n', src: `-> ${outside}`, 'hard.txt': 'keep\n' });
      // The listing prints the odd name escaped.
      const shown = await runCli(['checkpoints', identity]);
      expect(shown.stdout + shown.stderr).not.toMatch(/[\u001b\u202e]/);

      // And back to the replaced state: the link comes back as a link, still nothing written through it.
      await mkdir(join(outside, 'untouched'));
      const back = await runCli(['restore', identity, before.id, '--yes']);
      expect(back.code, back.stderr).toBe(0);
      expect(await folder(project)).toMatchObject({ ...replaced, 'hard.txt': 'keep\n' });
      expect(await folder(outside)).toEqual({ 'main.c': 'outside\n' });
      expect(await readdir(join(outside, 'untouched'))).toEqual([]);
    },
  );
});
