import { copyFile, cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointView } from '../../shared/checkpoints';
import { BottleError } from '../base/bottle-error';
import type { Baseline, BaselineFailure } from '../changes/baseline-types';
import { readBaseline } from '../changes/baseline';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { ifImageExists } from '../engine/if-engine-object-exists';
import { writeFileAtomic } from '../fs/atomic-write';
import { isDirectory } from '../fs/is-directory';
import { CHECKPOINT_FILES, checkpointDir } from '../checkpoints/checkpoint-store';
import { writeForkedFrom } from '../state/forked-from';
import { linkTree } from '../checkpoints/link-tree';
import { bottlePaths, changesPaths, perBottleImageTag } from '../state/state-paths';

/** Copies keep links as links, modes and times: what the fork gets is what the checkpoint holds. */
const COPY = { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false, preserveTimestamps: true } as const;

/**
 * Fills a new fork's state folder from the parent's checkpoint, so its first launch (a resume)
 * puts the checkpoint's workspace (`workspace`: the checkpoint's own, or a mount-mode parent's
 * folder as it was then, fork-from-mount.ts) and transcript into its container: the saved snapshots, its own
 * Dockerfile when the parent had one (and its image, named again as the fork's), the parent's
 * baseline (so Changes and Apply compare with the project folder as the parent started from it),
 * then its family (forked-from.json) last.
 */
export async function populateFork(
  ctx: CoreDeps,
  parent: LoadedBottle,
  checkpoint: CheckpointView,
  workspace: string,
  fork: LoadedBottle,
): Promise<void> {
  const source = checkpointDir(parent.identity, checkpoint.id);
  const paths = bottlePaths(fork.identity);
  if (!checkpoint.saved.workspace || !(await isDirectory(workspace)))
    throw new BottleError('corrupt', `checkpoint ${checkpoint.id} of ${parent.identity} holds no workspace: nothing to fork`);
  ctx.activity.progress(fork.identity, { line: `Copying checkpoint ${checkpoint.id} of ${parent.identity}` });
  await linkTree(workspace, paths.workspace, Number.POSITIVE_INFINITY);
  if (fork.agent.config.transcriptDir !== null && checkpoint.saved.transcript)
    await linkTree(join(source, CHECKPOINT_FILES.transcript), paths.transcript, Number.POSITIVE_INFINITY);
  if (checkpoint.dockerfile === 'own') {
    await copyFile(join(source, CHECKPOINT_FILES.dockerfile), paths.dockerfile);
    await nameImage(ctx, checkpoint, fork.identity);
  }
  await copyBaseline(parent.identity, fork.identity);
  await writeForkedFrom(fork.identity, { parent: parent.identity, checkpoint: checkpoint.id, at: new Date().toISOString() });
}

/**
 * The image the checkpoint's own Dockerfile built, tagged as the fork's, so its launch runs it
 * rather than a rebuild. Gone from the engine: the launch builds it from the Dockerfile as usual.
 */
async function nameImage(ctx: CoreDeps, checkpoint: CheckpointView, identity: string): Promise<void> {
  const { id } = checkpoint.image;
  const found = id === null ? null : await ifImageExists(ctx.docker.getImage(id).inspect());
  if (found === null) return;
  const [repo, tag] = perBottleImageTag(identity).split(':') as [string, string];
  await ctx.docker.getImage(found.Id).tag({ repo, tag });
}

/**
 * The parent's baseline, as the fork's own: the project folder as the parent started from it, so
 * a fork's changes include what the parent did before the checkpoint. A mount-mode parent's becomes
 * a copy-mode one (the fork works on a copy), without the mount-only parts. A parent without one
 * leaves none: the fork's launch takes one of the project folder as it is now.
 */
async function copyBaseline(parent: string, fork: string): Promise<void> {
  const read = await readBaseline(parent);
  if (read === null) return;
  const from = changesPaths(parent);
  const to = changesPaths(fork);
  await mkdir(to.dir, { recursive: true, mode: 0o700 });
  if (await isDirectory(from.blobs)) await cp(from.blobs, to.blobs, COPY);
  const copied: Baseline | BaselineFailure =
    'unavailable' in read ? { ...read, identity: fork } : { ...withoutMountParts(read), identity: fork, mode: 'copy' };
  await writeFileAtomic(to.baseline, JSON.stringify(copied));
}

function withoutMountParts(baseline: Baseline): Baseline {
  const { gitlinks: _gitlinks, nestedGit: _nestedGit, ...rest } = baseline;
  return rest;
}
