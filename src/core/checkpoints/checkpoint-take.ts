import { copyFile, cp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointView } from '../../shared/checkpoints';
import { formatBytes } from '../../shared/format-bytes';
import { BottleError, errorMessage } from '../base/bottle-error';
import { agentImageTag } from '../bottles/bottle-image';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { findBottleContainer } from '../engine/bottle-containers';
import { WORKSPACE } from '../engine/bottle-mounts';
import { hostRootfs } from '../engine/container-rootfs';
import { SnapshotBudget, SnapshotTooLargeError } from '../engine/container-archive';
import { ALREADY_DONE, ifContainerExists, ifImageExists } from '../engine/if-engine-object-exists';
import { isDirectory } from '../fs/is-directory';
import { ifExists } from '../fs/if-exists';
import { readLimits } from '../state/limits';
import { bottlePaths, perBottleImageTag } from '../state/state-paths';
import { checkpointGitState } from './checkpoint-git';
import { copyOutOfContainer } from './checkpoint-copy-out';
import { copyMountParts } from './checkpoint-mount-take';
import { CHECKPOINT_FILES, commitStaging, folderBytes, listCheckpoints, makeStaging, newCheckpointId } from './checkpoint-store';

/** What the copy step found and saved, before sizes and git state are added. */
interface Copied {
  source: CheckpointView['source'];
  pausedMs: number | null;
  image: CheckpointView['image'];
  workspace: boolean;
  transcript: boolean;
}

/**
 * Takes a checkpoint of a bottle. Mount mode: the project folder's state against its baseline
 * (checkpoint-mount-take.ts), never pausing the container. Copy mode: its workspace, its transcript, its Dockerfile, its
 * image and its git state, into a staging folder renamed into place whole. A running bottle is
 * paused only while its two folders are copied out (the approval snapshot's copy-out), and
 * unpaused whatever happens; its processes keep running. A bottle with an exited container is
 * copied from it; one without a container, from its saved snapshots. The copy counts against the
 * bottle's checkpoint budget (and the snapshot cap): past it, nothing is kept.
 */
export async function takeCheckpoint(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  name: string | null,
  warn: (message: string) => void,
): Promise<CheckpointView> {
  const { identity } = bottle;
  const mount = !bottle.metadata.copy_cwd;
  const limits = await readLimits();
  const used = (await listCheckpoints(identity)).reduce((sum, view) => sum + view.sizes.total, 0);
  const room = limits.maxCheckpointBytes - used;
  const budgetHint = `the checkpoints of ${identity} hold ${formatBytes(used)} of their ${formatBytes(limits.maxCheckpointBytes)} budget (maxCheckpointBytes in settings.json); drop old ones with: claude-bottle checkpoint ${identity} --drop CHECKPOINT`;
  if (room <= 0) throw new BottleError('limit-exceeded', `no room for a checkpoint: ${budgetHint}`);
  const budget = new SnapshotBudget(Math.min(room, limits.maxSnapshotBytes));
  const id = newCheckpointId();
  const { staging, killedMidway } = await makeStaging(identity);
  try {
    let copied: Copied;
    let deleted: string[] = [];
    let gitDir: string | null = null;
    try {
      if (mount) {
        const parts = await copyMountParts(ctx, bottle, staging, budget);
        copied = { ...parts, pausedMs: null, workspace: true };
        deleted = parts.deleted;
        gitDir = parts.cwd;
      } else copied = await copyParts(ctx, bottle, staging, budget, killedMidway);
    } catch (error: unknown) {
      if (!(error instanceof SnapshotTooLargeError)) throw error;
      throw new BottleError(
        'limit-exceeded',
        `the checkpoint would be over its room (${formatBytes(budget.limit)}); nothing was kept: ${budgetHint}`,
      );
    }
    const dockerfile = await copyDockerfile(identity, staging);
    const workspaceDir = join(staging, CHECKPOINT_FILES.workspace);
    // The git state is read while the sizes are counted: neither changes the copy. Mount mode: the
    // project folder's own repository, read as data like a copy's.
    const gitState = (copied.workspace ? checkpointGitState(gitDir ?? workspaceDir) : Promise.resolve(null)).catch((error: unknown) => {
      // The checkpoint holds the repository whole anyway; only its summary is missing.
      warn(`checkpoint of ${identity}: its git state could not be read: ${errorMessage(error)}`);
      return null;
    });
    const [workspaceBytes, transcriptBytes, dockerfileBytes, git] = await Promise.all([
      folderBytes(workspaceDir),
      folderBytes(join(staging, CHECKPOINT_FILES.transcript)),
      folderBytes(join(staging, CHECKPOINT_FILES.dockerfile)),
      gitState,
    ]);
    // All the staging folder holds until the manifest (the workspace is not walked twice).
    const total = workspaceBytes + transcriptBytes + dockerfileBytes;
    if (total > room)
      throw new BottleError(
        'limit-exceeded',
        `the checkpoint takes ${formatBytes(total)}, more than the room left; nothing was kept: ${budgetHint}`,
      );
    const view: CheckpointView = {
      version: 1,
      id,
      identity,
      name,
      at: new Date().toISOString(),
      source: copied.source,
      pausedMs: copied.pausedMs,
      image: copied.image,
      dockerfile,
      saved: { workspace: copied.workspace, transcript: copied.transcript, dockerfile: dockerfile !== null },
      sizes: { workspace: workspaceBytes, transcript: transcriptBytes, total },
      git,
      ...(mount ? { mode: 'mount' as const, deleted } : {}),
    };
    await commitStaging(identity, staging, view);
    return view;
  } catch (error: unknown) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** The workspace and transcript: from the container (paused while running), else from the saved snapshots. */
async function copyParts(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  staging: string,
  budget: SnapshotBudget,
  killedMidway: boolean,
): Promise<Copied> {
  const info = await findBottleContainer(ctx.docker, bottle.identity);
  if (info === null) return copySnapshots(ctx, bottle, staging, budget);
  const container = ctx.docker.getContainer(info.Id);
  const inspected = await container.inspect();
  const image = { reference: inspected.Config.Image || null, id: inspected.Image || null };
  // A checkpoint killed while it held the container paused left it frozen: it is unpaused now,
  // and paused again below like any running bottle.
  let paused = inspected.State.Paused;
  if (paused && killedMidway) {
    ctx.activity.progress(bottle.identity, { line: 'Unpausing the container an interrupted checkpoint left paused' });
    await ifContainerExists(container.unpause(), ALREADY_DONE);
    paused = false;
  }
  // Paused by us only when it runs: one paused by someone else stays as they left it.
  const pause = inspected.State.Running && !paused;
  // Read from the host only while we hold it paused: one paused by someone else may be unpaused under the copy.
  const folders = [WORKSPACE, ...(bottle.agent.config.transcriptDir === null ? [] : [bottle.agent.config.transcriptDir])];
  const rootfs = pause ? await hostRootfs({ docker: ctx.docker, local: ctx.engine.local, inspected, folders }) : null;
  const copied = await copyOutOfContainer(container, bottle, staging, budget, pause, rootfs);
  return { source: inspected.State.Running ? 'running' : 'exited', image, ...copied };
}

/** A bottle without a container: what its last stop or approval saved, copied as it is (symlinks as links). */
async function copySnapshots(ctx: CoreDeps, bottle: LoadedBottle, staging: string, budget: SnapshotBudget): Promise<Copied> {
  const paths = bottlePaths(bottle.identity);
  if (!(await isDirectory(paths.workspace)))
    throw new BottleError('not-found', `${bottle.identity} has no container and no saved workspace: nothing to checkpoint`);
  const options = { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false } as const;
  await cp(paths.workspace, join(staging, CHECKPOINT_FILES.workspace), options);
  const transcript = await isDirectory(paths.transcript);
  if (transcript) await cp(paths.transcript, join(staging, CHECKPOINT_FILES.transcript), options);
  if ((await folderBytes(staging)) > budget.limit) throw new SnapshotTooLargeError(bottle.identity);
  const hasOwn = (await ifExists(stat(paths.dockerfile))) !== null;
  const reference = hasOwn ? perBottleImageTag(bottle.identity) : await agentImageTag(bottle.agent);
  const inspected = await ifImageExists(ctx.docker.getImage(reference).inspect());
  return { source: 'stopped', pausedMs: null, image: { reference, id: inspected?.Id ?? null }, workspace: true, transcript };
}

/** The bottle's own Dockerfile (an approved capability-block), else the one it was built from. */
async function copyDockerfile(identity: string, staging: string): Promise<CheckpointView['dockerfile']> {
  const paths = bottlePaths(identity);
  const target = join(staging, CHECKPOINT_FILES.dockerfile);
  for (const [path, kind] of [
    [paths.dockerfile, 'own'],
    [paths.runDockerfile, 'agent'],
  ] as const) {
    if ((await ifExists(copyFile(path, target))) !== null) return kind;
  }
  return null;
}
