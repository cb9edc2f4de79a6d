import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isMissing } from '../fs/if-exists';
import { BottleError } from '../base/bottle-error';
import { gitlinksOf, runGitSync } from '../changes/git-cli';

/**
 * In mount mode the project folder is the operator's own repository, mounted writable. What git
 * reads to decide which programs to run (config, hooks, where the common dir is) must not be the
 * agent's to change, or the operator's next `git status` runs the agent's command on the host.
 * These are the extra mounts that make those files read-only inside the bottle while objects,
 * refs, the index and HEAD stay writable, so the agent can still commit.
 *
 * Every git folder (the repository's, each submodule's under modules/, each linked worktree's
 * under worktrees/) and every folder on the way to one is also mounted onto itself: a mount point
 * cannot be renamed or removed (EBUSY), so the agent cannot move a protected folder aside and put
 * a fresh one with its own config in its place.
 *
 * Submodules checked out in the work tree (the gitlinks of the index) are walled the same way:
 * `git status` recurses into them, so their `.git` (a pointer file, or an old-style folder with
 * its own config and hooks) is read-only or walled like the top one, and it and every folder on
 * the way to it are mount points, so it cannot be renamed aside for another. A repository the
 * agent makes and registers as a submodule later cannot be walled in advance; the changes
 * listing reports it (nested-repos.ts) and export refuses it.
 */
export interface GitControlMount {
  /** Relative to the project folder, '/'-separated: the same path on the host and under /workspace. */
  path: string;
  readOnly: boolean;
}

/**
 * Something git would read if the agent created it: made (empty, as `git init` makes hooks/ and
 * info/) before the bottle starts, so that it exists and can be mounted read-only.
 */
interface MissingControl {
  path: string;
  kind: 'dir' | 'file';
  content: string;
}

interface ControlPlan {
  mounts: GitControlMount[];
  missing: MissingControl[];
}

/** More than this many mounts (a repository with hundreds of submodules) is refused, not half done. */
const MAX_CONTROL_MOUNTS = 256;
/** Submodules inside submodules: deeper than this is not followed (and refused). */
const MAX_MODULE_DEPTH = 6;
const MAX_CONFIG_BYTES = 1024 * 1024;

function entryAt(root: string, path: string): Stats | null {
  try {
    return lstatSync(join(root, ...path.split('/')));
  } catch (error: unknown) {
    if (isMissing(error)) return null;
    throw error;
  }
}

function refuse(path: string, why: string): never {
  throw new BottleError('conflict', `mount mode cannot protect ${path} (${why}); start the bottle in copy mode`);
}

/**
 * Whether the gitdir's config turns on `extensions.worktreeConfig`: then git also reads
 * `config.worktree`, which must then exist (read-only) rather than be the agent's to create.
 * A loose text match errs towards protecting the file.
 */
function readsWorktreeConfig(root: string, gitDir: string): boolean {
  const config = entryAt(root, `${gitDir}/config`);
  if (config === null || !config.isFile() || config.size > MAX_CONFIG_BYTES) return false;
  return /worktreeconfig/i.test(readFileSync(join(root, ...gitDir.split('/'), 'config'), 'utf8'));
}

function add(plan: ControlPlan, path: string, readOnly: boolean): void {
  plan.mounts.push({ path, readOnly });
  if (plan.mounts.length > MAX_CONTROL_MOUNTS) refuse('the repository', `more than ${MAX_CONTROL_MOUNTS} git folders and control files`);
}

/** A control file or folder: mounted read-only where it exists, made first where git would read one the agent made. */
function protect(plan: ControlPlan, root: string, path: string, kind: 'dir' | 'file', ifMissing: string | null): void {
  const entry = entryAt(root, path);
  if (entry === null) {
    if (ifMissing !== null) plan.missing.push({ path, kind, content: ifMissing });
    return;
  }
  // A symlink is never mounted (the engine would follow it to wherever the repository points).
  if (entry.isSymbolicLink()) refuse(path, 'it is a symlink');
  if (kind === 'dir' ? !entry.isDirectory() : !entry.isFile()) refuse(path, `it is not a ${kind === 'dir' ? 'folder' : 'file'}`);
  add(plan, path, true);
}

/** Folders below `path` (never through a symlink). */
function subfolders(root: string, path: string): string[] {
  return readdirSync(join(root, ...path.split('/')), { withFileTypes: true })
    .filter((dirent) => dirent.isDirectory())
    .map((dirent) => `${path}/${dirent.name}`)
    .sort();
}

function isGitDir(root: string, path: string): boolean {
  return entryAt(root, `${path}/HEAD`) !== null || entryAt(root, `${path}/config`) !== null;
}

/** `modules/` holds a submodule's gitdir under its name, which may itself contain '/'. */
function planModules(plan: ControlPlan, root: string, path: string, depth: number): void {
  add(plan, path, false);
  for (const child of subfolders(root, path)) {
    if (isGitDir(root, child)) planGitDir(plan, root, child, depth + 1);
    else planModules(plan, root, child, depth);
  }
}

/** A linked worktree's admin folder: its pointer to the common dir and its own config. */
function planWorktrees(plan: ControlPlan, root: string, path: string): void {
  add(plan, path, false);
  for (const worktree of subfolders(root, path)) {
    add(plan, worktree, false);
    protect(plan, root, `${worktree}/commondir`, 'file', null);
    protect(plan, root, `${worktree}/gitdir`, 'file', null);
    protect(plan, root, `${worktree}/config.worktree`, 'file', readsWorktreeConfig(root, path.replace(/\/worktrees$/, '')) ? '' : null);
  }
}

function planGitDir(plan: ControlPlan, root: string, gitDir: string, depth: number): void {
  if (depth > MAX_MODULE_DEPTH) refuse(gitDir, `submodules nested deeper than ${MAX_MODULE_DEPTH}`);
  add(plan, gitDir, false);
  protect(plan, root, `${gitDir}/config`, 'file', null);
  protect(plan, root, `${gitDir}/config.worktree`, 'file', readsWorktreeConfig(root, gitDir) ? '' : null);
  // A commondir the agent wrote would send git to a config of its own: "." names this very
  // folder, which is what git assumes when there is none (so nothing changes for the operator).
  protect(plan, root, `${gitDir}/commondir`, 'file', '.\n');
  protect(plan, root, `${gitDir}/hooks`, 'dir', '');
  protect(plan, root, `${gitDir}/info`, 'dir', '');
  const modules = entryAt(root, `${gitDir}/modules`);
  if (modules?.isDirectory() === true) planModules(plan, root, `${gitDir}/modules`, depth);
  const worktrees = entryAt(root, `${gitDir}/worktrees`);
  if (worktrees?.isDirectory() === true) planWorktrees(plan, root, `${gitDir}/worktrees`);
}

/** A folder of the work tree mounted onto itself (once), so that it cannot be renamed or removed. */
function pin(plan: ControlPlan, path: string): void {
  if (!plan.mounts.some((mount) => mount.path === path)) add(plan, path, false);
}

/**
 * The submodules checked out below `repoPath` (relative, '' for the project folder): found from
 * that repository's index by our own git (no hooks, no fsmonitor), then each one's submodules.
 * One not checked out (no `.git` there) is left alone: a `.git` made there later is reported by
 * the changes listing.
 */
function planCheckouts(plan: ControlPlan, root: string, repoPath: string, depth: number): void {
  if (depth > MAX_MODULE_DEPTH) refuse(repoPath, `submodules nested deeper than ${MAX_MODULE_DEPTH}`);
  // Read as data by our git (nothing of the repository's runs), also where the folder is another
  // user's (root starting a bottle for them): git would otherwise refuse to read it, and the wall would have a hole.
  const stage = runGitSync(['-c', 'safe.directory=*', 'ls-files', '-s', '-z'], join(root, ...repoPath.split('/')));
  if (stage === null) return;
  for (const link of [...gitlinksOf(stage).keys()].sort()) {
    const parts = link.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..')) continue;
    const path = repoPath === '' ? link : `${repoPath}/${link}`;
    // Git does not look into a submodule beyond a symlink or a file, and neither does the wall.
    const folders = parts.map((_, index) => [repoPath, ...parts.slice(0, index + 1)].filter(Boolean).join('/'));
    if (folders.some((folder) => entryAt(root, folder)?.isDirectory() !== true)) continue;
    const dotGit = entryAt(root, `${path}/.git`);
    if (dotGit === null) continue;
    for (const folder of folders) pin(plan, folder);
    if (dotGit.isSymbolicLink()) refuse(`${path}/.git`, 'it is a symlink');
    if (dotGit.isFile()) add(plan, `${path}/.git`, true);
    else if (!dotGit.isDirectory()) refuse(`${path}/.git`, 'it is neither a folder nor a file');
    else if (isGitDir(root, `${path}/.git`)) planGitDir(plan, root, `${path}/.git`, depth + 1);
    else add(plan, `${path}/.git`, true);
    planCheckouts(plan, root, path, depth + 1);
  }
}

function planControl(projectDir: string): ControlPlan {
  const plan: ControlPlan = { mounts: [], missing: [] };
  // No project folder, no container: the engine refuses to bind a source that does not exist.
  if (entryAt(projectDir, '.') === null) return plan;
  const dotGit = entryAt(projectDir, '.git');
  // Not a repository (or a subfolder of one): a `.git` the agent made would be the repository of
  // the operator's next git command here. An empty folder is made and mounted read-only instead;
  // git passes over an empty `.git` (it is no repository) and looks further up, as before.
  if (dotGit === null) {
    plan.missing.push({ path: '.git', kind: 'dir', content: '' });
    planCheckouts(plan, projectDir, '', 0);
    return plan;
  }
  if (dotGit.isSymbolicLink()) refuse('.git', 'it is a symlink');
  // A `.git` file (a linked worktree or a submodule checkout) names a gitdir outside the folder,
  // which the bottle cannot see; the pointer itself is what must not be rewritten.
  if (dotGit.isFile()) add(plan, '.git', true);
  else if (!dotGit.isDirectory()) refuse('.git', 'it is neither a folder nor a file');
  else if (isGitDir(projectDir, '.git')) planGitDir(plan, projectDir, '.git', 0);
  else add(plan, '.git', true);
  planCheckouts(plan, projectDir, '', 0);
  return plan;
}

/**
 * The mounts that keep the repository's control files read-only in a mount-mode bottle (see
 * GitControlMount). Throws when something git would read is missing (prepareGitControl was not
 * run, or it vanished since): a bottle is never started with a hole in the wall.
 */
export function gitControlMounts(projectDir: string): GitControlMount[] {
  const plan = planControl(projectDir);
  const missing = plan.missing[0];
  if (missing !== undefined)
    throw new BottleError('conflict', `${missing.path} vanished from the project folder while the bottle was set up; start it again`);
  return plan.mounts;
}

/**
 * Creates what git would read if the agent made it (hooks/, info/, commondir, config.worktree
 * where the repository reads one), owned by the project folder's owner, as `git init` would make
 * them: so every control path exists and can be mounted read-only. Nothing that exists is changed.
 */
export function prepareGitControl(projectDir: string, owner: { uid: number; gid: number }): void {
  createMissing(projectDir, planControl(projectDir), owner);
}

/**
 * prepareGitControl, then gitControlMounts, reading the folder (and running git) once when nothing
 * was missing: that one reading is then the check gitControlMounts would make. Whatever had to be
 * made is read again, so a bottle is still never started with a hole in the wall.
 */
export function prepareGitControlMounts(projectDir: string, owner: { uid: number; gid: number }): GitControlMount[] {
  const plan = planControl(projectDir);
  if (plan.missing.length === 0) return plan.mounts;
  createMissing(projectDir, plan, owner);
  return gitControlMounts(projectDir);
}

function createMissing(projectDir: string, plan: ControlPlan, owner: { uid: number; gid: number }): void {
  for (const missing of plan.missing) {
    const path = join(projectDir, ...missing.path.split('/'));
    try {
      if (missing.kind === 'dir') mkdirSync(path, { mode: 0o755 });
      else writeFileSync(path, missing.content, { mode: 0o644, flag: 'wx' });
    } catch (error: unknown) {
      // Another start on the same folder made it first; what it is gets checked when mounting.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      continue;
    }
    // Run as root for another user's folder, what we made is that user's, like the rest of it.
    if (process.getuid?.() === 0) chownSync(path, owner.uid, owner.gid);
  }
}
