import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists, orIfMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import type { Baseline, NestedGitRecord } from './baseline-types';
import { gitlinksOf, runGit, splitZ } from './git-cli';
import { hostPathOf } from './relative-path';
import type { ShadowRepo } from './shadow-repo';

/**
 * Repositories inside the project folder, as a mount-mode agent could leave them for the
 * operator's git. The walls (git-control-mounts.ts) cover the submodules checked out when the
 * bottle started; they cannot cover a repository the agent makes later and registers as a
 * submodule (a gitlink in the index, which must stay writable for commits): the operator's plain
 * `git status` recurses into it and runs what its config says (core.fsmonitor). `diff` never
 * lists `.git`, so these findings are what tells the operator, and what export refuses.
 */
export type NestedRepoKind = 'added-gitlink' | 'changed-gitlink' | 'new-repository' | 'changed-repository';

export interface NestedRepoFinding {
  /** The repository's folder, relative to the project folder. */
  path: string;
  kind: NestedRepoKind;
  /** For the operator: what happened and what to do. */
  message: string;
}

/** More nested `.git` entries than this are not described one by one (nor compared). */
const MAX_DESCRIBED = 200;
const MAX_CONTROL_BYTES = 1024 * 1024;

/** Text of a small file of a `.git`, or a marker saying what stands there instead. */
async function controlText(path: string): Promise<string> {
  return readRegularFile(path, MAX_CONTROL_BYTES).catch(
    (error: unknown) => `<${(error as NodeJS.ErrnoException).code ?? (error as Error).message}>`,
  );
}

/** What git reads of one nested `.git`: a pointer file's text, or a folder's config, commondir and hooks. */
async function describeOne(full: string): Promise<NestedGitRecord | null> {
  // Gone: nothing of git's there. One the host cannot reach is an error, never "no nested repository".
  const info = await ifExists(lstat(full));
  if (info === null) return null;
  const hash = createHash('sha256');
  if (info.isFile()) {
    hash.update(await controlText(full));
    return { kind: 'file', ino: info.ino, digest: hash.digest('hex') };
  }
  if (!info.isDirectory()) return { kind: 'other', ino: info.ino, digest: '' };
  for (const name of ['config', 'config.worktree', 'commondir']) hash.update(`${name}\0${await controlText(join(full, name))}\0`);
  const hooks = await orIfMissing(readdir(join(full, 'hooks'), { withFileTypes: true }), []);
  for (const hook of hooks.map((dirent) => dirent.name).sort()) {
    const hookInfo = await ifExists(lstat(join(full, 'hooks', hook)));
    hash.update(`hook\0${hook}\0${hookInfo?.size ?? -1}\0${hookInfo?.mtimeMs ?? -1}\0`);
  }
  return { kind: 'dir', ino: info.ino, digest: hash.digest('hex') };
}

/** Describes the nested `.git` entries at `paths` (relative), the first MAX_DESCRIBED of them. */
export async function describeNestedGit(root: string, paths: Iterable<string>): Promise<Record<string, NestedGitRecord>> {
  const records: Record<string, NestedGitRecord> = {};
  for (const path of [...new Set(paths)].sort().slice(0, MAX_DESCRIBED)) {
    const record = await describeOne(hostPathOf(root, path));
    if (record !== null) records[path] = record;
  }
  return records;
}

/** The gitlinks of the index of the repository at `cwd`, by our own git. */
export async function indexGitlinks(cwd: string): Promise<Map<string, string>> {
  return gitlinksOf((await runGit(['ls-files', '-s', '-z'], { cwd })).stdout);
}

/** The gitlinks of a commit's tree (for a baseline recorded before it listed its own). */
async function treeGitlinks(cwd: string, commit: string): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const tree = await runGit(['ls-tree', '-r', '-z', '--full-tree', commit], { cwd });
  for (const record of splitZ(tree.stdout)) {
    const match = /^160000 commit ([0-9a-f]{40,64})\t(.+)$/s.exec(record);
    if (match !== null) links.set(match[2] as string, match[1] as string);
  }
  return links;
}

const parentOfGit = (path: string): string => path.slice(0, -'/.git'.length);

export function addedGitlinkMessage(path: string): string {
  return `${path}: the agent added a git repository as a submodule; your \`git status\` would run what its config says — inspect it (or remove it) before running git in this folder`;
}

/**
 * The submodules (gitlinks) the agent's commits add between `from` (null: none) and `to`: a path
 * whose mode becomes 160000. Export carries commits whole, so one of these would be the
 * operator's after a checkout.
 */
export async function addedGitlinksBetween(shadow: ShadowRepo, from: string | null, to: string): Promise<string[]> {
  if (from === null) {
    const tree = splitZ((await shadow.run(['ls-tree', '-r', '-z', '--full-tree', to])).stdout);
    return tree.filter((record) => record.startsWith('160000 ')).map((record) => record.slice(record.indexOf('\t') + 1));
  }
  const parts = splitZ((await shadow.run(['diff-tree', '-r', '-z', '--no-renames', from, to])).stdout);
  const added: string[] = [];
  for (let index = 0; index + 1 < parts.length; index += 2) {
    const [oldMode, newMode] = (parts[index] as string).slice(1).split(' ');
    if (newMode === '160000' && oldMode !== '160000') added.push(parts[index + 1] as string);
  }
  return added;
}

/**
 * The check, with what it last read of the index: the index is listed again only when its stat
 * changed, so a refresh of the Changes view costs a stat and a look at the few nested `.git`s.
 */
export class NestedRepoCheck {
  private indexStamp: string | null = null;
  private links = new Map<string, string>();
  private baseLinks: Map<string, string> | null = null;

  /** Nothing to report in copy mode: the project folder stays the operator's and `.git` paths are never applied. */
  async findings(baseline: Baseline, gitEntries: string[]): Promise<NestedRepoFinding[]> {
    if (baseline.mode !== 'mount') return [];
    const cwd = baseline.cwd;
    const links = baseline.git === null ? new Map<string, string>() : await this.currentLinks(cwd);
    const baseLinks = await this.baselineLinks(baseline);
    const findings: NestedRepoFinding[] = [];
    const reported = new Set<string>();
    for (const [path, oid] of [...links].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const before = baseLinks.get(path);
      if (before === oid) continue;
      reported.add(path);
      if (before === undefined) findings.push({ path, kind: 'added-gitlink', message: addedGitlinkMessage(path) });
      else
        findings.push({
          path,
          kind: 'changed-gitlink',
          message: `${path}: the agent changed the commit this submodule records (${before.slice(0, 12)} → ${oid.slice(0, 12)}); check it before you update submodules`,
        });
    }
    // A `.git` git would recurse into: every one the walk saw, and one under each gitlink (even in an ignored folder).
    const candidates = new Set(gitEntries);
    for (const path of links.keys()) candidates.add(`${path}/.git`);
    // A baseline recorded before nested repositories were has nothing to compare them with.
    const before = baseline.nestedGit;
    if (before === undefined) return findings;
    const now = await describeNestedGit(cwd, candidates);
    for (const [gitPath, record] of Object.entries(now)) {
      const path = parentOfGit(gitPath);
      if (reported.has(path)) continue;
      const old = before[gitPath];
      if (old === undefined) {
        const message = links.has(path)
          ? `${path}: the agent put a git repository where a submodule is registered (${gitPath}); your \`git status\` would run what its config says — inspect it (or remove it) before running git in this folder`
          : `${path}: the agent made a git repository here (${gitPath}); git runs what its config says there — inspect it (or remove it) before running git in it or adding it as a submodule`;
        findings.push({ path, kind: 'new-repository', message });
      } else if (old.kind !== record.kind || old.ino !== record.ino || old.digest !== record.digest) {
        findings.push({
          path,
          kind: 'changed-repository',
          message: `${path}: the agent replaced or rewrote ${gitPath} (its pointer, config or hooks); inspect it before running git in this folder`,
        });
      }
    }
    return findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private async currentLinks(cwd: string): Promise<Map<string, string>> {
    const info = await ifExists(lstat(join(cwd, '.git', 'index')));
    const stamp = info === null ? 'none' : `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    if (stamp !== this.indexStamp) {
      this.links = info === null ? new Map() : await indexGitlinks(cwd);
      this.indexStamp = stamp;
    }
    return this.links;
  }

  private async baselineLinks(baseline: Baseline): Promise<Map<string, string>> {
    if (this.baseLinks !== null) return this.baseLinks;
    if (baseline.gitlinks !== undefined) this.baseLinks = new Map(Object.entries(baseline.gitlinks));
    else if (baseline.git?.head != null) this.baseLinks = await treeGitlinks(baseline.cwd, baseline.git.head);
    else this.baseLinks = new Map();
    return this.baseLinks;
  }
}
