import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FULL_FILE_MAX_BYTES, type FileChange } from '../../shared/changes';
import { BottleError } from '../base/bottle-error';
import type { BaseContent } from './base-content';
import { splitZ } from './git-cli';
import { gitFolderName, gitFolderRefusal, hostPathOf, parentOf } from './relative-path';
import type { ShadowRepo } from './shadow-repo';
import type { AgentListing, CopyRequest, WorkspaceReader } from './workspace-reader';

export interface UncommittedInput {
  shadow: ShadowRepo;
  reader: WorkspaceReader;
  listing: AgentListing;
  changes: FileChange[];
  /** The agent's HEAD (null: no commit yet) and the commit it started from. */
  agentHead: string | null;
  baseHead: string | null;
  identity: string;
}

/** Puts the agent's version of each path into the shadow's sparse work tree (one stream out of a bottle). */
async function materialize(input: UncommittedInput, paths: string[]): Promise<void> {
  const requests: CopyRequest[] = [];
  for (const path of paths) {
    const entry = input.listing.entries.get(path);
    if (entry === undefined) continue;
    const dest = hostPathOf(input.shadow.worktree, path);
    await mkdir(dirname(dest), { recursive: true });
    requests.push({ path, dest, mode: entry.mode & 0o777 });
  }
  const copies = await input.reader.copyMany(requests);
  for (const request of requests) {
    const copy = copies.get(request.path);
    if (copy?.kind === 'symlink') await symlink(copy.target ?? '', request.dest);
  }
}

/**
 * One commit of what the agent left uncommitted, on top of its HEAD: the tree is HEAD's, with
 * every path the agent touched since the start (and every path its commits touched) set to what
 * the workspace holds now. Files git would ignore are left out unless tracked, as `git add -A`
 * in the bottle would. The operator's own uncommitted changes that were copied in and that the
 * agent never touched are not part of it. Null when there is nothing uncommitted.
 */
export async function commitUncommitted(input: UncommittedInput): Promise<string | null> {
  const { shadow } = input;
  const touched = new Set<string>();
  for (const change of input.changes) {
    touched.add(change.path);
    if (change.oldPath !== null) touched.add(change.oldPath);
  }
  if (input.baseHead !== null && input.agentHead !== null && input.baseHead !== input.agentHead) {
    const committed = await shadow.run(['diff-tree', '-r', '--no-renames', '--name-only', '-z', input.baseHead, input.agentHead]);
    for (const path of splitZ(committed.stdout)) {
      // The agent's own commits go into the operator's repository whole: one that holds such a
      // path is refused, not trimmed.
      const gitName = gitFolderName(path);
      if (gitName !== null)
        throw new BottleError('forbidden', `the bottle's commits hold ${path}: ${gitFolderRefusal(gitName)}; export refuses them`);
      touched.add(path);
    }
  }
  if (touched.size === 0) return null;
  const paths = [...touched].sort();
  // .gitignore files along the way decide which new files git would ignore.
  const ignoreFiles = new Set<string>();
  for (const path of paths) {
    for (let dir = parentOf(path); ; dir = parentOf(dir)) {
      const candidate = dir === '' ? '.gitignore' : `${dir}/.gitignore`;
      if (input.listing.entries.has(candidate)) ignoreFiles.add(candidate);
      if (dir === '') break;
    }
  }
  await materialize(input, [...new Set([...paths, ...ignoreFiles])]);

  if (input.agentHead === null) await shadow.run(['read-tree', '--empty']);
  else await shadow.run(['read-tree', input.agentHead]);
  const tracked = new Set(splitZ((await shadow.run(['ls-files', '-z'])).stdout));
  const untracked = paths.filter((path) => !tracked.has(path) && input.listing.entries.has(path));
  const ignored = new Set(
    untracked.length === 0
      ? []
      : splitZ((await shadow.run(['check-ignore', '-z', '--stdin'], { input: `${untracked.join('\0')}\0`, okCodes: [1] })).stdout),
  );
  const included = paths.filter((path) => !ignored.has(path));
  await shadow.run(['update-index', '--add', '--remove', '-z', '--stdin'], { input: `${included.join('\0')}\0` });
  const tree = await shadow.text(['write-tree']);
  if (input.agentHead !== null && tree === (await shadow.text(['rev-parse', `${input.agentHead}^{tree}`]))) return null;
  const who = { GIT_AUTHOR_NAME: `claude-bottle ${input.identity}`, GIT_AUTHOR_EMAIL: `${input.identity}@claude-bottle.invalid` };
  const env = { ...who, GIT_COMMITTER_NAME: who.GIT_AUTHOR_NAME, GIT_COMMITTER_EMAIL: who.GIT_AUTHOR_EMAIL };
  const message = `Uncommitted changes from bottle ${input.identity}\n\nWhat the agent left in the workspace without committing, exported by claude-bottle.\n`;
  const parents = input.agentHead === null ? [] : ['-p', input.agentHead];
  return shadow.text(['commit-tree', tree, ...parents], { input: message, env });
}

/**
 * For a project that was not a repository: a commit of the start-of-run content of every path the
 * agent touched, so a patch can say "modified" rather than "created". Throws when some start-of-run
 * content is no longer anywhere.
 */
export async function commitBaselineContent(
  shadow: ShadowRepo,
  base: BaseContent,
  changes: FileChange[],
  workTree: string,
  identity: string,
): Promise<string> {
  const paths = new Set<string>();
  for (const change of changes) {
    if (change.status !== 'added') paths.add(change.oldPath ?? change.path);
  }
  const present: string[] = [];
  for (const path of [...paths].sort()) {
    const entry = base.entry(path);
    if (entry === undefined) continue;
    const dest = hostPathOf(workTree, path);
    await mkdir(dirname(dest), { recursive: true });
    if (entry.kind === 'symlink') {
      await symlink(entry.target ?? '', dest);
    } else {
      const content = await base.read(path, FULL_FILE_MAX_BYTES);
      if (content === null || !content.complete)
        throw new BottleError(
          'conflict',
          `cannot write a patch: the start-of-run content of ${path} is no longer available (the project file changed)`,
        );
      await writeFile(dest, content.data, { mode: entry.mode & 0o777 });
    }
    present.push(path);
  }
  const env = { GIT_WORK_TREE: workTree };
  await shadow.run(['read-tree', '--empty'], { env });
  if (present.length > 0) await shadow.run(['update-index', '--add', '-z', '--stdin'], { env, input: `${present.join('\0')}\0` });
  const tree = await shadow.text(['write-tree'], { env });
  const who = {
    GIT_AUTHOR_NAME: `claude-bottle ${identity}`,
    GIT_AUTHOR_EMAIL: `${identity}@claude-bottle.invalid`,
    GIT_COMMITTER_NAME: `claude-bottle ${identity}`,
    GIT_COMMITTER_EMAIL: `${identity}@claude-bottle.invalid`,
  };
  return shadow.text(['commit-tree', tree], { input: 'Start-of-run content\n', env: { ...env, ...who } });
}
