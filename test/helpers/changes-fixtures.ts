import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes files (relative path → content) under `root`, creating folders. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** `cp -a`: a copy with modes, times and symlinks kept, as a bottle's snapshot holds it. */
export async function copyTree(from: string, to: string): Promise<void> {
  await run('cp', ['-a', `${from}/.`, to]);
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** git in a folder, with an identity, failing loudly. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=Operator', '-c', 'user.email=op@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd });
  return stdout;
}

/** Every file and symlink under `root` (outside .git) with its content or link target, for byte-exact comparison. */
export async function treeContents(root: string, skip: (path: string) => boolean = () => false): Promise<Record<string, string>> {
  const { stdout } = await run('sh', ['-c', 'cd "$1" && find . -path ./.git -prune -o \\( -type f -o -type l \\) -print', 'sh', root]);
  const out: Record<string, string> = {};
  const { readFile, readlink, lstat } = await import('node:fs/promises');
  for (const line of stdout.split('\n').filter(Boolean).sort()) {
    const path = line.slice(2);
    if (skip(path)) continue;
    const info = await lstat(join(root, path));
    out[path] = info.isSymbolicLink() ? `link:${await readlink(join(root, path))}` : `${(info.mode & 0o777).toString(8)}:${(await readFile(join(root, path))).toString('base64')}`;
  }
  return out;
}
