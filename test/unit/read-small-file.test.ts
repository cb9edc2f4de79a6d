import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSmallFile, readSmallFileBytes, readSmallFileSync, type SmallFileRead } from '../../src/core/fs/read-small-file';
import { readRegularFile } from '../../src/core/fs/read-regular-file';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'read-small-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Both reads, asynchronous and synchronous, must answer alike. */
async function both(path: string, maxBytes: number): Promise<SmallFileRead> {
  const asynchronous = await readSmallFile(path, maxBytes);
  const synchronous = readSmallFileSync(path, maxBytes);
  expect(synchronous).toEqual(asynchronous);
  return asynchronous;
}

/** The answer without its cause (an errno error, whose message names the path). */
function plain(read: SmallFileRead): unknown {
  return read.kind === 'corrupt'
    ? { kind: read.kind, reason: read.reason, code: (read.cause as NodeJS.ErrnoException | undefined)?.code }
    : read;
}

describe('readSmallFile: a small file of ours, read as ok / missing / corrupt', () => {
  it('reads a small regular file, with its mtime', async () => {
    const path = join(dir, 'file.json');
    await writeFile(path, '{"a":"é"}\n');
    const { mtimeMs } = await stat(path);
    expect(await both(path, 64)).toEqual({ kind: 'ok', text: '{"a":"é"}\n', mtimeMs });
    expect(await readSmallFileBytes(path, 64)).toEqual({ kind: 'ok', bytes: Buffer.from('{"a":"é"}\n'), mtimeMs });
    // Exactly at the cap is still small.
    expect((await both(path, Buffer.byteLength('{"a":"é"}\n'))).kind).toBe('ok');
  });

  it('nothing there is missing, and so is a path through a file where a folder was', async () => {
    expect(await both(join(dir, 'none.json'), 64)).toEqual({ kind: 'missing' });
    await writeFile(join(dir, 'file'), 'x');
    expect(await both(join(dir, 'file', 'below.json'), 64)).toEqual({ kind: 'missing' });
  });

  it('never follows a symlink, even to a readable file: corrupt, with ELOOP as its cause', async () => {
    await writeFile(join(dir, 'target.json'), '{}');
    await symlink(join(dir, 'target.json'), join(dir, 'link.json'));
    expect(plain(await both(join(dir, 'link.json'), 64))).toEqual({ kind: 'corrupt', reason: 'is a symlink', code: 'ELOOP' });
    // A dangling link is a link, not a missing file.
    await symlink(join(dir, 'nowhere.json'), join(dir, 'dangling.json'));
    expect(plain(await both(join(dir, 'dangling.json'), 64))).toEqual({ kind: 'corrupt', reason: 'is a symlink', code: 'ELOOP' });
  });

  it('never blocks on a FIFO: refused as not a regular file, at once', async () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(plain(await both(fifo, 64))).toEqual({ kind: 'corrupt', reason: 'is not a regular file', code: undefined });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a folder in its place is not a regular file', async () => {
    await mkdir(join(dir, 'folder.json'));
    expect(plain(await both(join(dir, 'folder.json'), 64))).toEqual({ kind: 'corrupt', reason: 'is not a regular file', code: undefined });
  });

  it('refuses a file over the cap without reading it', async () => {
    await writeFile(join(dir, 'big.json'), Buffer.alloc(65));
    expect(plain(await both(join(dir, 'big.json'), 64))).toEqual({ kind: 'corrupt', reason: 'is larger than 64 bytes', code: undefined });
  });

  // As root (this suite's usual runner) every file is readable: EACCES cannot be made here.
  it.skipIf(process.getuid?.() === 0)('a file the host cannot read is corrupt with its cause, never missing', async () => {
    await writeFile(join(dir, 'locked.json'), '{}');
    await chmod(join(dir, 'locked.json'), 0o000);
    expect(plain(await both(join(dir, 'locked.json'), 64))).toEqual({ kind: 'corrupt', reason: 'is unreadable (EACCES)', code: 'EACCES' });
  });

  it('readRegularFile, the throwing form, keeps its errors: the code for the file system, a message for the rest', async () => {
    await expect(readRegularFile(join(dir, 'none'), 64)).rejects.toMatchObject({ code: 'ENOENT' });
    await symlink(join(dir, 'none'), join(dir, 'link'));
    await expect(readRegularFile(join(dir, 'link'), 64)).rejects.toMatchObject({ code: 'ELOOP' });
    await mkdir(join(dir, 'folder'));
    await expect(readRegularFile(join(dir, 'folder'), 64)).rejects.toThrow(/^not a regular file$/);
    await writeFile(join(dir, 'big'), Buffer.alloc(65));
    await expect(readRegularFile(join(dir, 'big'), 64)).rejects.toThrow(/^larger than 64 bytes$/);
  });
});
