import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measureFolder } from '../../src/core/fs/measure-folder';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'measure-folder-'));
});
afterEach(() => {
  // rm(1) rather than fs.rm: it removes a tree deeper than PATH_MAX, which one test makes.
  execFileSync('rm', ['-rf', dir]);
});

const roomy = { maxBytes: 1024 ** 3, maxEntries: 100_000 };

describe('measureFolder: what a folder an agent writes takes on the host', () => {
  it('counts every entry below the folder, nested folders included', async () => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'one'), Buffer.alloc(10_000));
    await writeFile(join(dir, 'a', 'b', 'two'), Buffer.alloc(20_000));
    const measured = await measureFolder(dir, roomy);
    expect(measured.over).toBeNull();
    expect(measured.entries).toBe(4);
    expect(measured.bytes).toBeGreaterThanOrEqual(30_000);
    expect(measured.bytes).toBeLessThan(30_000 + 4 * 16_384);
  });

  it('a missing folder measures zero', async () => {
    expect(await measureFolder(join(dir, 'none'), roomy)).toEqual({ bytes: 0, entries: 0, over: null });
  });

  it('never follows a symlink: a link to a big file or folder counts as the link', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'measure-outside-'));
    try {
      await writeFile(join(outside, 'big'), Buffer.alloc(5 * 1024 ** 2));
      await symlink(join(outside, 'big'), join(dir, 'to-file'));
      await symlink(outside, join(dir, 'to-folder'));
      const measured = await measureFolder(dir, { maxBytes: 1024 ** 2, maxEntries: 10 });
      expect(measured).toMatchObject({ entries: 2, over: null });
      expect(measured.bytes).toBeLessThan(4096);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('counts a sparse file at its full length: a terabyte of holes is over any budget', async () => {
    await writeFile(join(dir, 'sparse'), '');
    await truncate(join(dir, 'sparse'), 1024 ** 4);
    expect(await measureFolder(dir, roomy)).toMatchObject({ over: 'bytes', entries: 1 });
  });

  it('stops counting as soon as the byte budget is passed', async () => {
    for (let index = 0; index < 50; index += 1) await writeFile(join(dir, `f${index}`), Buffer.alloc(100_000));
    const measured = await measureFolder(dir, { maxBytes: 1_000_000, maxEntries: 1000 });
    expect(measured.over).toBe('bytes');
    expect(measured.bytes).toBeGreaterThan(1_000_000);
    // Ten files reach the budget; the walk does not look at the other forty.
    expect(measured.entries).toBeLessThanOrEqual(11);
  });

  it('stops at the entry cap: a flood of empty files is over budget too', async () => {
    await Promise.all(Array.from({ length: 2000 }, (_, index) => writeFile(join(dir, `e${index}`), '')));
    const measured = await measureFolder(dir, { maxBytes: 1024 ** 3, maxEntries: 500 });
    expect(measured).toMatchObject({ over: 'entries', entries: 501 });
  });

  it('counts empty folders as entries, and deep nesting cannot hide past the cap', async () => {
    let path = dir;
    for (let depth = 0; depth < 40; depth += 1) {
      path = join(path, 'd');
      await mkdir(path);
    }
    expect(await measureFolder(dir, { maxBytes: 1024 ** 3, maxEntries: 39 })).toMatchObject({ over: 'entries', entries: 40 });
    expect(await measureFolder(dir, { maxBytes: 1024 ** 3, maxEntries: 40 })).toMatchObject({ over: null, entries: 40 });
  });

  it('a tree deeper than a path can name is unreadable, so over: what it holds cannot be bounded', () => {
    // Made by a shell with relative paths, as an agent in a bottle can.
    const name = 'x'.repeat(100);
    execFileSync('sh', [
      '-c',
      `cd "$1" && i=0; while [ $i -lt 60 ]; do mkdir ${name} && cd ${name}; i=$((i+1)); done; echo data > file`,
      'sh',
      dir,
    ]);
    return expect(measureFolder(dir, roomy)).resolves.toMatchObject({ over: 'unreadable' });
  });

  it('counts a FIFO as an entry and never opens it', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(await measureFolder(dir, roomy)).toMatchObject({ over: null, entries: 1 });
  });
});
