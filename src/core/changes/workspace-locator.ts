import { join } from 'node:path';
import type Docker from 'dockerode';
import { findBottleContainer } from '../engine/bottle-containers';
import { copyFolderOut } from '../engine/container-archive';
import { contextForBottle, type BottleContext } from '../services/bottle-context';
import { BottleError } from '../services/bottle-error';
import type { BottleMetadata } from '../state/metadata';
import { bottlePaths } from '../state/state-paths';
import { dockerignoreMatcher } from './baseline';
import type { Baseline } from './baseline-types';
import { ContainerReader } from './container-reader';
import { FolderReader } from './folder-reader';
import type { WorkspaceReader } from './workspace-reader';
import { isDirectory } from '../fs/is-directory';

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
export async function locateWorkspace(ctx: BottleContext, metadata: BottleMetadata, baseline: Baseline): Promise<LocatedWorkspace> {
  const ignore = dockerignoreMatcher(baseline.dockerignore);
  if (!metadata.copy_cwd) {
    if (!(await isDirectory(metadata.cwd))) throw new BottleError('not-found', `the project folder ${metadata.cwd} of ${metadata.identity} is gone`);
    return {
      reader: new FolderReader('folder', metadata.cwd, ignore),
      agentGitDir: async () => ((await isDirectory(join(metadata.cwd, '.git'))) ? join(metadata.cwd, '.git') : null),
    };
  }
  // The bottle's own engine: a copy-mode bottle may live on a remote one, read over its API alone.
  const { docker } = contextForBottle(ctx, metadata.identity);
  const info = await findBottleContainer(docker, metadata.identity);
  if (info !== null) {
    const container: Docker.Container = docker.getContainer(info.Id);
    const inspected = await container.inspect();
    const running = inspected.State.Running && !inspected.State.Paused;
    return {
      reader: new ContainerReader({ container, running, startedAtMs: Date.parse(inspected.State.StartedAt), ignore, prunedDirs: baseline.prunedDirs }),
      agentGitDir: async (tempDir) => {
        const dest = join(tempDir, 'bottle-git');
        return (await copyFolderOut(container, '/workspace/.git', dest)) ? dest : null;
      },
    };
  }
  const snapshot = bottlePaths(metadata.identity).workspace;
  if (!(await isDirectory(snapshot))) throw new BottleError('not-found', `bottle ${metadata.identity} has no container and no saved workspace to compare`);
  return {
    reader: new FolderReader('snapshot', snapshot, ignore),
    agentGitDir: async () => ((await isDirectory(join(snapshot, '.git'))) ? join(snapshot, '.git') : null),
  };
}
