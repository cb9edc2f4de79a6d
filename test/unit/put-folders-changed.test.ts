import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { putFolders } from '../../src/core/engine/container-archive';
import type { EngineContainer, TarSource } from '../../src/core/engine/engine-client';

/**
 * A file that shrinks while the copy reads it fails tar-stream's pack with "Size mismatch" (seen in
 * CI, where a copy-mode launch raced a `cp` in the project): the copy is made again, and a folder
 * that keeps changing fails in one line. The archive is the real one tar-fs packs; only the engine's
 * end is a sink that reads it (and shrinks the file under it, as the racing writer did).
 */
const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function folderWithBigFile(): Promise<{ folder: string; file: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'cb-put-folders-'));
  folders.push(folder);
  const file = join(folder, 'big.bin');
  await writeFile(file, Buffer.alloc(8 * 1024 * 1024, 1));
  return { folder, file };
}

/** A container whose putArchive reads the whole tar, shrinking `file` after its first chunk on the first `shrinks` copies. */
function sinkContainer(file: string, shrinks: number): { container: EngineContainer; copies: () => number } {
  let copies = 0;
  const putArchive = async (tar: TarSource): Promise<void> => {
    copies += 1;
    let first = copies <= shrinks;
    try {
      for await (const chunk of tar as Readable) {
        void chunk;
        if (first) {
          first = false;
          await truncate(file, 0);
        }
      }
    } finally {
      // The writer puts the file back, so the next copy starts from a whole file.
      if (copies <= shrinks) await writeFile(file, Buffer.alloc(8 * 1024 * 1024, 1));
    }
  };
  return { container: { putArchive } as unknown as EngineContainer, copies: () => copies };
}

describe('putFolders on a folder that changes while it is read', () => {
  it('copies again when a file shrinks during the copy', async () => {
    const { folder, file } = await folderWithBigFile();
    const { container, copies } = sinkContainer(file, 1);
    await putFolders(container, [{ target: '/workspace', from: folder }], { uid: 1000, gid: 1000 });
    expect(copies()).toBe(2);
  });

  it('gives up in one line after three copies that each changed', async () => {
    const { folder, file } = await folderWithBigFile();
    const { container, copies } = sinkContainer(file, 99);
    await expect(putFolders(container, [{ target: '/workspace', from: folder }], { uid: 1000, gid: 1000 })).rejects.toThrow(
      /^the folder changed while it was read: a file changed size during the copy, 3 times; start again once it is still$/,
    );
    expect(copies()).toBe(3);
  });
});
