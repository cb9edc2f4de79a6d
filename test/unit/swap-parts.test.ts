import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { besideName, swapAll, type Part } from '../../src/core/checkpoints/swap-parts';
import { recoverSnapshotSwap } from '../../src/core/engine/container-archive';
import { tempDir, treeContents, writeTree } from '../helpers/changes-fixtures';

/** A state folder with a workspace, a transcript and a Dockerfile, and new copies of the two folders staged beside them. */
async function stagedState(): Promise<{ dir: string; parts: Part[] }> {
  const dir = await tempDir('swap-parts-');
  await writeTree(dir, { 'workspace/a.txt': 'old a\n', 'transcript/log.txt': 'old log\n', Dockerfile: 'FROM old\n' });
  const workspace = besideName(join(dir, 'workspace'), '');
  const transcript = besideName(join(dir, 'transcript'), '');
  await writeTree(workspace, { 'a.txt': 'new a\n', 'b.txt': 'new b\n' });
  await writeTree(transcript, { 'log.txt': 'new log\n' });
  return {
    dir,
    parts: [
      { dest: join(dir, 'workspace'), staged: workspace, old: null },
      { dest: join(dir, 'transcript'), staged: transcript, old: null },
      // The Dockerfile goes (the checkpoint ran the agent's).
      { dest: join(dir, 'Dockerfile'), staged: null, old: null },
    ],
  };
}

describe('swapAll: parts of a state folder replaced all together, or none', () => {
  it('puts every staged part in place and sets every current one aside for the caller to remove', async () => {
    const { dir, parts } = await stagedState();
    await swapAll(parts);
    expect(Object.keys(await treeContents(dir, (path) => path.startsWith('.tmp-')))).toEqual([
      'transcript/log.txt',
      'workspace/a.txt',
      'workspace/b.txt',
    ]);
    expect(await readFile(join(dir, 'workspace', 'a.txt'), 'utf8')).toBe('new a\n');
    expect(await readFile(join(dir, 'transcript', 'log.txt'), 'utf8')).toBe('new log\n');
    expect(parts.map((part) => part.staged)).toEqual([null, null, null]);
    for (const part of parts) expect(part.old).toMatch(/\/\.tmp-old-/);
    expect(await readFile(parts[2]?.old ?? '', 'utf8')).toBe('FROM old\n');
  });

  it('a failure midway (the second staged part is missing) puts every part back as it was, staged copies kept for removal', async () => {
    const { dir, parts } = await stagedState();
    const before = await treeContents(dir);
    const transcript = parts[1] as Part;
    transcript.staged = `${transcript.staged ?? ''}-missing`;
    await expect(swapAll(parts)).rejects.toThrow(/ENOENT/);
    expect(await treeContents(dir)).toEqual(before);
    expect(parts.map((part) => part.old)).toEqual([null, null, null]);
    // The workspace's staged copy is back where the caller removes it.
    expect(await readFile(join(parts[0]?.staged ?? '', 'b.txt'), 'utf8')).toBe('new b\n');
    expect((await readdir(dir)).filter((name) => name.startsWith('.tmp-old-'))).toEqual([]);
  });

  it('a swap killed between its renames is put right by the next launch: the aside copy has the name recoverSnapshotSwap knows', async () => {
    const { dir, parts } = await stagedState();
    // As a process killed after setting the workspace aside, before putting the new one in place.
    const dest = (parts[0] as Part).dest;
    await rename(dest, besideName(dest, 'old-'));
    await recoverSnapshotSwap(dest);
    expect(await readFile(join(dir, 'workspace', 'a.txt'), 'utf8')).toBe('old a\n');
  });
});
