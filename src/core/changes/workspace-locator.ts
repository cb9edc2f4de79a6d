import { join } from 'node:path';
import type { EngineContainer } from '../engine/engine-client';
import { findBottleContainer } from '../engine/bottle-containers';
import { extractFolder, SnapshotBudget, SnapshotTooLargeError, swapIntoPlace } from '../engine/container-archive';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import { BottleError } from '../base/bottle-error';
import type { BottleMetadata } from '../state/metadata';
import { readLimits, snapshotCapHint } from '../state/limits';
import { bottlePaths } from '../state/state-paths';
import { formatBytes } from '../../shared/format-bytes';
import { WORKSPACE } from '../engine/bottle-mounts';
import { dockerignoreMatcher } from './baseline';
import type { Baseline } from './baseline-types';
import { ContainerReader } from './container-reader';
import { FolderReader } from './folder-reader';
import type { WorkspaceReader } from './workspace-reader';
import { isDirectory } from '../fs/is-directory';

/**
 * What of a bottle's repository could name a program, or point git at another folder: left out
 * of the copy export reads, so the copy can never be opened as a repository with the agent's
 * settings. Export reads HEAD, refs and objects as data (see ShadowRepo).
 */
const AGENT_GIT_CONTROL = ['config', 'config.worktree', 'commondir', 'hooks', 'info', 'modules', 'worktrees'];

/**
 * The running or exited bottle's `.git`, copied into the export's temp folder under the snapshot
 * cap (it is the agent's, and may be made huge): past the cap, a one-line error and nothing kept.
 */
async function copyAgentGitDir(container: EngineContainer, dest: string): Promise<string | null> {
  const budget = new SnapshotBudget((await readLimits()).maxSnapshotBytes);
  let extracted;
  try {
    extracted = await extractFolder(container, `${WORKSPACE}/.git`, dest, budget, { exclude: AGENT_GIT_CONTROL });
  } catch (error: unknown) {
    if (!(error instanceof SnapshotTooLargeError)) throw error;
    throw new BottleError(
      'limit-exceeded',
      `the bottle's .git is larger than the ${formatBytes(budget.limit)} snapshot cap (${snapshotCapHint()}); nothing was exported`,
    );
  }
  if (extracted === null) return null;
  await swapIntoPlace(extracted);
  return dest;
}

/** Where the agent's workspace is right now, and how to read it. */
export interface LocatedWorkspace {
  reader: WorkspaceReader;
  /** The bottle's `.git` copied (or found) where host git can read it as data; null if none. */
  agentGitDir(tempDir: string): Promise<string | null>;
}

/**
 * Mount mode: the project folder itself. Copy mode: the running bottle's /workspace; an exited
 * container's filesystem (newer than any snapshot); else the snapshot saved when it stopped.
 */
export async function locateWorkspace(ctx: CoreDeps, metadata: BottleMetadata, baseline: Baseline): Promise<LocatedWorkspace> {
  const ignore = dockerignoreMatcher(baseline.dockerignore);
  if (!metadata.copy_cwd) {
    if (!(await isDirectory(metadata.cwd)))
      throw new BottleError('not-found', `the project folder ${metadata.cwd} of ${metadata.identity} is gone`);
    return {
      reader: new FolderReader('folder', metadata.cwd, ignore),
      agentGitDir: async () => ((await isDirectory(join(metadata.cwd, '.git'))) ? join(metadata.cwd, '.git') : null),
    };
  }
  // The bottle's own engine: a copy-mode bottle may live on a remote one, read over its API alone.
  const { docker } = depsForBottle(ctx, metadata.identity);
  const info = await findBottleContainer(docker, metadata.identity);
  if (info !== null) {
    const container: EngineContainer = docker.getContainer(info.Id);
    const inspected = await container.inspect();
    const running = inspected.State.Running && !inspected.State.Paused;
    return {
      reader: new ContainerReader({
        container,
        running,
        startedAtMs: Date.parse(inspected.State.StartedAt),
        ignore,
        prunedDirs: baseline.prunedDirs,
        owner: { identity: metadata.identity, baseline },
      }),
      agentGitDir: (tempDir) => copyAgentGitDir(container, join(tempDir, 'bottle-git')),
    };
  }
  const snapshot = bottlePaths(metadata.identity).workspace;
  if (!(await isDirectory(snapshot)))
    throw new BottleError('not-found', `bottle ${metadata.identity} has no container and no saved workspace to compare`);
  return {
    reader: new FolderReader('snapshot', snapshot, ignore, { identity: metadata.identity, baseline }),
    agentGitDir: async () => ((await isDirectory(join(snapshot, '.git'))) ? join(snapshot, '.git') : null),
  };
}
