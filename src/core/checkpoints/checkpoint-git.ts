import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_GIT_STATUS_LINES, type CheckpointGit } from '../../shared/checkpoints';
import { splitZ } from '../changes/git-cli';
import { checkOwnObjects, resolveHead, ShadowRepo } from '../changes/shadow-repo';
import { ifExists } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';

const MAX_CONFIG_BYTES = 64 * 1024;

/**
 * The git state of a checkpoint's workspace copy: HEAD (read as data), its branch, and what differs
 * from HEAD. The repository is the agent's, so git never opens it as itself (its config could name
 * programs: hooks, filters, fsmonitor): a shadow repository of ours borrows its objects, reads
 * HEAD's tree into an index of ours, and compares the copy's files with it. Null when the
 * workspace is not the top of a repository with its own `.git` folder.
 */
export async function checkpointGitState(workspace: string): Promise<CheckpointGit | null> {
  const gitDir = join(workspace, '.git');
  const dotGit = await ifExists(lstat(gitDir));
  if (dotGit === null || !dotGit.isDirectory()) return null;
  const head = await resolveHead(gitDir);
  const headText = await readRegularFile(join(gitDir, 'HEAD'), MAX_CONFIG_BYTES);
  const branch = /^ref: refs\/heads\/(.+)$/.exec(headText.trim())?.[1] ?? null;
  await checkOwnObjects(gitDir);
  const config = await readRegularFile(join(gitDir, 'config'), MAX_CONFIG_BYTES).catch((_error: unknown) => '');
  const objectFormat = /^\s*objectformat\s*=\s*sha256\s*$/im.test(config) ? 'sha256' : 'sha1';
  const temp = await mkdtemp(join(tmpdir(), 'claude-bottle-checkpoint-git-'));
  try {
    const shadow = await ShadowRepo.create(temp, [join(gitDir, 'objects')], objectFormat);
    const env = { GIT_WORK_TREE: workspace };
    // The shadow's HEAD (refs/heads/main) names the commit, and its index holds that commit's tree.
    if (head !== null) {
      await shadow.run(['update-ref', 'refs/heads/main', head], { env });
      await shadow.run(['read-tree', head], { env });
    }
    const status = await shadow.run(
      ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all'],
      { env },
    );
    const lines = splitZ(status.stdout);
    return {
      head,
      branch,
      status: lines.slice(0, MAX_GIT_STATUS_LINES),
      statusTruncated: lines.length > MAX_GIT_STATUS_LINES,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
