import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach } from 'vitest';
import { emptyAppliedRecord, type AppliedRecord } from '../../src/core/changes/applied-record';
import { BaseContent } from '../../src/core/changes/base-content';
import type { Baseline } from '../../src/core/changes/baseline-types';
import { BlobStore } from '../../src/core/changes/blob-store';
import { changesPaths } from '../../src/core/state/state-paths';
import { compareWorkspace } from '../../src/core/changes/change-compare';
import { CompareCache } from '../../src/core/changes/compare-cache';
import type { AgentListing, WorkspaceReader } from '../../src/core/changes/workspace-reader';
import type { FileChange } from '../../src/shared/changes';
import { useTempHome } from './temp-home';

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

const made: string[] = [];

/** A fresh temporary folder, removed after the test that made it. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** git in a folder, with an identity, failing loudly. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    'git',
    ['-c', 'user.name=Operator', '-c', 'user.email=op@example.com', '-c', 'init.defaultBranch=main', ...args],
    { cwd },
  );
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
    out[path] = info.isSymbolicLink()
      ? `link:${await readlink(join(root, path))}`
      : `${(info.mode & 0o777).toString(8)}:${(await readFile(join(root, path))).toString('base64')}`;
  }
  return out;
}

export const TEST_IDENTITY = 'dev-abcde';

/**
 * A temporary CLAUDE_BOTTLE_HOME plus, for every test, a fresh project folder and a folder that
 * stands in for the bottle's workspace (a copy-mode snapshot): `dirs.project`, `dirs.snapshot`.
 */
export function useChangesFolders(): { readonly project: string; readonly snapshot: string } {
  useTempHome();
  const dirs = { project: '', snapshot: '' };
  beforeEach(async () => {
    dirs.project = await tempDir('changes-project-');
    dirs.snapshot = await tempDir('changes-snapshot-');
  });
  return dirs;
}

/** What the changes service computes, on a folder reader: the comparison and what it read. */
export async function compareWith(
  baseline: Baseline,
  reader: WorkspaceReader,
  applied: AppliedRecord = emptyAppliedRecord(),
  cache = new CompareCache(),
): Promise<{ changes: FileChange[]; listing: AgentListing; base: BaseContent }> {
  const listing = await reader.list();
  const base = new BaseContent(baseline, new BlobStore(changesPaths(baseline.identity).blobs), applied);
  return { changes: await compareWorkspace({ baseline, listing, reader, base, applied, cache }), listing, base };
}
