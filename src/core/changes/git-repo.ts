import { lstat, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { gitText, runGit, splitZ } from './git-cli';

/** What git says about a project folder that is the top of its own repository. */
export interface RepoFacts {
  /** The checked-out commit; null on an unborn branch. */
  head: string | null;
  branch: string | null;
  /** Paths whose working-tree content is not HEAD's: modified, staged, untracked. */
  dirty: Set<string>;
  /** Tracked paths with the blob id and mode git has for them (stage 0 only). */
  index: Map<string, { oid: string; mode: string }>;
}

/**
 * True when `cwd` is the top of a git working tree with its own `.git` folder (the repository the
 * copy carries into a bottle). A subfolder of a repository, or a `.git` file pointing elsewhere,
 * is not: the bottle would hold no repository of its own.
 */
export async function isRepositoryTop(cwd: string): Promise<boolean> {
  const dotGit = await ifExists(lstat(join(cwd, '.git')));
  if (dotGit === null || !dotGit.isDirectory()) return false;
  // git refusing the folder (a damaged or foreign .git, git missing) is an answer here: no
  // repository of its own that a branch could go to; the caller says so in one line.
  const top = await gitText(['rev-parse', '--show-toplevel'], { cwd }).catch((_error: unknown) => null);
  if (top === null) return false;
  return (await orIfMissing(realpath(top), top)) === (await orIfMissing(realpath(cwd), cwd));
}

export async function headCommit(cwd: string): Promise<string | null> {
  const result = await runGit(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd, okCodes: [1, 128] });
  return result.code === 0 ? result.stdout.toString('utf8').trim() : null;
}

/** HEAD, branch, the dirty paths and the index of the repository at `cwd`; null when not one. */
export async function repoFacts(cwd: string): Promise<RepoFacts | null> {
  if (!(await isRepositoryTop(cwd))) return null;
  const [head, branchResult, status, files] = await Promise.all([
    headCommit(cwd),
    runGit(['symbolic-ref', '-q', '--short', 'HEAD'], { cwd, okCodes: [1] }),
    runGit(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all'], { cwd }),
    runGit(['ls-files', '-s', '-z'], { cwd }),
  ]);
  const dirty = new Set<string>();
  for (const record of splitZ(status.stdout)) dirty.add(record.slice(3));
  const index = new Map<string, { oid: string; mode: string }>();
  for (const record of splitZ(files.stdout)) {
    const match = /^(\d{6}) ([0-9a-f]{40,64}) (\d)\t(.+)$/s.exec(record);
    if (match === null || match[3] !== '0') continue;
    index.set(match[4] as string, { mode: match[1] as string, oid: match[2] as string });
  }
  const branch = branchResult.code === 0 ? branchResult.stdout.toString('utf8').trim() : null;
  return { head, branch, dirty, index };
}
