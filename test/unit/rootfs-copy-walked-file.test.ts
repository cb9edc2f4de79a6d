import { lstat, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyWalkedFile, NeedsArchive } from '../../src/core/engine/rootfs-copy';

/*
 * The direct copy reads, as root on the host, files an agent owns. Between the walk's lstat and
 * the copy, a container running again (unpaused by another process) could put a link where a
 * walked file or folder was, to a file of the host: the copy must then read nothing of the host
 * and leave the folder to the archive. On the real filesystem: the swaps an agent would make.
 */

let root = '';
let secret = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'claude-bottle-walked-'));
  secret = join(root, 'host', 'shadow');
  await mkdir(join(root, 'host'));
  await writeFile(secret, 'the host secret\n');
  await mkdir(join(root, 'rootfs', 'workspace', 'sub'), { recursive: true });
  await writeFile(join(root, 'rootfs', 'workspace', 'sub', 'shadow'), 'the agent file\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const path = (...parts: string[]): Buffer => Buffer.from(join(root, ...parts));

describe('copyWalkedFile', () => {
  it('copies the file it walked, and refuses nothing else', async () => {
    const from = path('rootfs', 'workspace', 'sub', 'shadow');
    await copyWalkedFile(from, path('out'), await lstat(from, { bigint: true }), true);
    expect(await readFile(join(root, 'out'), 'utf8')).toBe('the agent file\n');
  });

  it('reads nothing of the host when the file was replaced by a link to it', async () => {
    const from = path('rootfs', 'workspace', 'sub', 'shadow');
    const walked = await lstat(from, { bigint: true });
    await rm(from);
    await symlink(secret, from);
    await expect(copyWalkedFile(from, path('out'), walked, false)).rejects.toThrow(NeedsArchive);
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('reads nothing of the host when a folder on the way was replaced by a link to a host folder holding the same name', async () => {
    const from = path('rootfs', 'workspace', 'sub', 'shadow');
    const walked = await lstat(from, { bigint: true });
    await rename(join(root, 'rootfs', 'workspace', 'sub'), join(root, 'rootfs', 'workspace', 'moved'));
    await symlink(join(root, 'host'), join(root, 'rootfs', 'workspace', 'sub'));
    await expect(copyWalkedFile(from, path('out'), walked, false)).rejects.toThrow(NeedsArchive);
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it("opens nothing put in the file's place: a FIFO swapped in is not opened (a writer waiting on it stays waiting)", async () => {
    const from = path('rootfs', 'workspace', 'sub', 'shadow');
    const walked = await lstat(from, { bigint: true });
    await rm(from);
    execFileSync('mkfifo', [from.toString()]);
    // A writer blocks in its open until a reader opens the FIFO: opening it to read would let it go.
    const writer = spawn('sh', ['-c', `echo x > '${from.toString()}'`], { stdio: 'ignore' });
    try {
      // The writer in its open by now (a shell starts in a few ms).
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(copyWalkedFile(from, path('out'), walked, false)).rejects.toThrow(NeedsArchive);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(writer.exitCode).toBeNull();
    } finally {
      writer.kill('SIGKILL');
    }
    expect(existsSync(join(root, 'out'))).toBe(false);
  });

  it('leaves a file rewritten to another size to the archive (the budget counted the walked size)', async () => {
    const from = path('rootfs', 'workspace', 'sub', 'shadow');
    const walked = await lstat(from, { bigint: true });
    await writeFile(from, 'the agent file, grown after the walk\n');
    await expect(copyWalkedFile(from, path('out'), walked, false)).rejects.toThrow(NeedsArchive);
  });
});
