import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ifExists } from '../fs/if-exists';
import type { ExportResult, FileChange } from '../../shared/changes';
import { writeFileAtomic } from '../fs/atomic-write';
import { BottleError } from '../base/bottle-error';
import type { Baseline } from './baseline-types';
import type { BaseContent } from './base-content';
import { commitBaselineContent, commitUncommitted } from './export-tree';
import { attachNetworkLogNote, checkNetworkLogTarget, NETWORK_LOG_NOTES_REF, writeNetworkLogBesidePatch } from './export-network-log';
import { gitText, runGit } from './git-cli';
import { isRepositoryTop } from './git-repo';
import { addedGitlinksBetween, NestedRepoCheck } from './nested-repos';
import { gitFolderName, gitFolderRefusal } from './relative-path';
import { checkOwnObjects, resolveHead, ShadowRepo } from './shadow-repo';
import type { AgentListing, WorkspaceReader } from './workspace-reader';
import { isDirectory } from '../fs/is-directory';

export interface ExportTarget {
  branch?: string | undefined;
  patchFile?: string | undefined;
}

export interface ExportInput {
  identity: string;
  baseline: Baseline;
  reader: WorkspaceReader;
  listing: AgentListing;
  changes: FileChange[];
  base: BaseContent;
  /**
   * Puts the bottle's `.git` folder (if it has one) where host git can read it as data, and
   * returns its path; null when the workspace holds no repository of its own.
   */
  agentGitDir(tempDir: string): Promise<string | null>;
  progress(line: string): void;
  /** The bottle's connection log as JSON Lines, exported with the work; absent or empty: none on record. */
  networkLog?: string;
}

/** `git check-ref-format --branch`: the branch name git itself would accept. */
export async function checkBranchName(cwd: string, name: string): Promise<string> {
  const result = await runGit(['check-ref-format', '--branch', name], { cwd, okCodes: [1, 128] });
  if (result.code !== 0 || name.startsWith('-'))
    throw new BottleError('invalid-argument', `invalid branch name ${JSON.stringify(name.slice(0, 120))}`);
  return result.stdout.toString('utf8').trim();
}

/** Everything an export checks before it writes anything: one-line errors, nothing written. */
export async function checkExportTarget(baseline: Baseline, target: ExportTarget): Promise<{ branch: string | null }> {
  const cwd = baseline.cwd;
  if (!(await isDirectory(cwd))) throw new BottleError('not-found', `the project folder ${cwd} is gone`);
  if (target.patchFile !== undefined && (await ifExists(stat(target.patchFile))) !== null) {
    throw new BottleError('conflict', `${target.patchFile} already exists; choose another file name`);
  }
  if (target.branch === undefined) return { branch: null };
  if (!(await isRepositoryTop(cwd)))
    throw new BottleError('invalid-argument', `${cwd} is not a git repository (the top of one), so no branch can be created there`);
  if (baseline.git === null)
    throw new BottleError(
      'invalid-argument',
      `${cwd} was not a git repository when the bottle started; export a patch instead (--patch FILE)`,
    );
  const branch = await checkBranchName(cwd, target.branch);
  const exists = await runGit(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { cwd, okCodes: [1] });
  if (exists.code === 0) throw new BottleError('conflict', `branch ${branch} already exists in ${cwd}`);
  return { branch };
}

/**
 * The agent's work as git sees it: its own commits (read from the bottle's repository as data),
 * plus one commit of what it left uncommitted; then either a new branch in the project's
 * repository (objects fetched in with fsck, the ref created only if it does not exist: HEAD,
 * index and working tree untouched) or a patch file `git apply` takes.
 */
export async function exportChanges(input: ExportInput, target: ExportTarget): Promise<ExportResult> {
  const { baseline, identity } = input;
  const { branch } = await checkExportTarget(baseline, target);
  const networkLog = input.networkLog ?? '';
  await checkNetworkLogTarget(target.patchFile, networkLog);
  // A repository the agent registered as a submodule is never handed over (see nested-repos.ts).
  const added = (await new NestedRepoCheck().findings(baseline, input.listing.gitEntries ?? [])).find(
    (finding) => finding.kind === 'added-gitlink',
  );
  if (added !== undefined) throw new BottleError('forbidden', `${added.message}; export refuses it`);
  const cwd = baseline.cwd;
  const temp = await mkdtemp(join(tmpdir(), 'claude-bottle-export-'));
  try {
    const notes: string[] = [];
    // A git older than 2.25 has no --show-object-format, and knows only sha1. Any other failure of
    // this git is met again, and reported, by the export's own git commands just below.
    const objectFormat =
      baseline.git === null ? 'sha1' : await gitText(['rev-parse', '--show-object-format'], { cwd }).catch((_error: unknown) => 'sha1');
    input.progress("Reading the bottle's repository");
    const agentGit = baseline.git === null ? null : await input.agentGitDir(temp);
    if (agentGit !== null && baseline.mode === 'copy') await checkOwnObjects(agentGit);
    const borrow = [
      ...(agentGit === null ? [] : [join(agentGit, 'objects')]),
      ...(baseline.git === null ? [] : [join(cwd, '.git', 'objects')]),
    ];
    const shadow = await ShadowRepo.create(temp, borrow, objectFormat);
    // Outside a repository, the start-of-run content of the touched files is the base commit.
    const baseHead =
      baseline.git === null
        ? await commitBaselineContent(shadow, input.base, input.changes, join(temp, 'base'), identity)
        : baseline.git.head;
    let agentHead = agentGit === null ? baseHead : await resolveHead(agentGit);
    if (agentHead !== null && !(await shadow.hasCommit(agentHead)))
      throw new BottleError('corrupt', `the bottle's HEAD ${agentHead.slice(0, 12)} is not a commit its repository holds`);
    const gitlink = agentHead === null ? undefined : (await addedGitlinksBetween(shadow, baseHead, agentHead))[0];
    if (gitlink !== undefined)
      throw new BottleError(
        'forbidden',
        `${gitlink}: the bottle's commits add a git repository as a submodule; your \`git status\` would run what its config says once they are checked out; export refuses them`,
      );
    if (agentGit === null && baseline.git !== null)
      notes.push('the bottle holds no repository of its own (.git was not copied in): its changes are one commit on the start commit');
    input.progress('Committing what the agent left uncommitted');
    // A path through git's own folder (by any alias) is never part of the work handed over.
    const changes = input.changes.filter((change) => {
      const gitName = gitFolderName(change.path) ?? (change.oldPath === null ? null : gitFolderName(change.oldPath));
      if (gitName !== null) notes.push(`${change.path} left out: ${gitFolderRefusal(gitName)}`);
      return gitName === null;
    });
    const uncommitted = await commitUncommitted({
      shadow,
      reader: input.reader,
      listing: input.listing,
      changes,
      agentHead,
      baseHead,
      identity,
    });
    const tip = uncommitted ?? agentHead;
    if (tip === null) throw new BottleError('invalid-argument', 'there is nothing to export: no commits and no changes');
    agentHead = tip;
    const range = baseHead === null ? [tip] : [`${baseHead}..${tip}`];
    const commits = Number(await shadow.text(['rev-list', '--count', ...range]));
    if (baseHead !== null && (await shadow.run(['merge-base', '--is-ancestor', baseHead, tip], { okCodes: [1] })).code !== 0) {
      notes.push(`the agent's history does not start from ${baseHead.slice(0, 12)} (it was rewritten in the bottle)`);
    }
    const result: ExportResult = {
      identity,
      branch,
      patchFile: target.patchFile ?? null,
      tip,
      base: baseline.git === null ? null : baseHead,
      commits,
      uncommitted: uncommitted !== null,
      networkLog: null,
      notes,
    };
    if (target.patchFile !== undefined) {
      input.progress('Writing the patch');
      const from = baseHead ?? (await shadow.text(['hash-object', '-t', 'tree', '-w', '--stdin'], { input: '' }));
      const diff = await shadow.run(['diff', '--binary', '--full-index', '--no-color', '--no-ext-diff', '--no-textconv', from, tip]);
      await writeFileAtomic(target.patchFile, diff.stdout, 0o644);
      if (networkLog !== '') result.networkLog = await writeNetworkLogBesidePatch(target.patchFile, networkLog);
    }
    if (branch !== null) {
      input.progress(`Creating branch ${branch}`);
      await runGit(
        [
          '-c',
          'fetch.fsckObjects=true',
          '-c',
          'transfer.fsckObjects=true',
          'fetch',
          '--quiet',
          '--no-tags',
          '--no-write-fetch-head',
          '--no-recurse-submodules',
          '--upload-pack=git-upload-pack',
          shadow.gitDir,
          tip,
        ],
        { cwd },
      );
      const zero = '0'.repeat(tip.length);
      await runGit(['update-ref', '-m', `claude-bottle export ${identity}`, `refs/heads/${branch}`, tip, zero], { cwd });
      if (networkLog !== '') {
        const failed = await attachNetworkLogNote(cwd, tip, networkLog, temp);
        if (failed === null) result.networkLog = NETWORK_LOG_NOTES_REF;
        else notes.push(failed);
      }
    }
    return result;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
