import { copyFile, cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointRestore, CheckpointView } from '../../shared/checkpoints';
import { MAX_CHECKPOINT_NAME_CHARS } from '../../shared/checkpoints';
import { escapeLine } from '../../shared/escape-text';
import { BottleError, errorMessage } from '../base/bottle-error';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { bottleContainers } from '../engine/bottle-containers';
import { recoverSnapshotSwap } from '../engine/container-archive';
import { ifImageExists } from '../engine/if-engine-object-exists';
import { bottlePaths, perBottleImageTag } from '../state/state-paths';
import { CHECKPOINT_FILES, checkpointDir } from './checkpoint-store';
import { besideName, swapAll, type Part } from './swap-parts';
import { planMountRestore, runMountRestore } from './checkpoint-mount-restore';
import { takeCheckpoint } from './checkpoint-take';

/**
 * Mount mode (`writeFolder`: the operator said yes to writes into their project folder): the
 * folder is made equal to baseline + checkpoint (checkpoint-mount-restore.ts), after the current
 * state is kept as a mount-mode checkpoint holding every file the restore overwrites.
 *
 * Makes a stopped copy-mode bottle's next resume start from the checkpoint `pick` finds (after
 * the bottle's own refusals, so a mount-mode or running bottle hears those first): its workspace and
 * transcript snapshots (what a resume puts into the new container), its own Dockerfile, and the
 * image that Dockerfile built when the engine still has it. The current state is first kept as a
 * checkpoint of its own ("before restore of …"); past the budget that refusal comes before
 * anything changes. The new copies are staged beside the snapshots and swapped in together: a
 * failure midway puts every part back as it was.
 */
export async function restoreCheckpoint(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  pick: () => Promise<CheckpointView>,
  warn: (message: string) => void,
  options: { writeFolder?: boolean } = {},
): Promise<CheckpointRestore> {
  const { identity } = bottle;
  const mount = !bottle.metadata.copy_cwd;
  await requireNoContainer(ctx, identity);
  const checkpoint = await pick();
  if (!mount && checkpoint.mode === 'mount')
    throw new BottleError('conflict', `checkpoint ${checkpoint.id} is of a mount-mode project folder: ${identity} is a copy-mode bottle`);
  if (mount && options.writeFolder !== true)
    throw new BottleError(
      'invalid-argument',
      `${identity} is a mount-mode bottle: restore writes your project folder ${escapeLine(bottle.metadata.cwd)}; run again with --yes`,
    );
  // Mount mode: refused here, before anything is kept or written, when a file cannot be put back.
  const plan = mount ? await planMountRestore(bottle, checkpoint) : null;
  if (!checkpoint.saved.workspace)
    throw new BottleError('corrupt', `checkpoint ${checkpoint.id} of ${identity} holds no workspace: nothing to restore`);
  const source = checkpointDir(identity, checkpoint.id);
  const paths = bottlePaths(identity);
  // A swap a killed process left half done is made whole first, so what is kept is the real state.
  await recoverSnapshotSwap(paths.workspace);
  await recoverSnapshotSwap(paths.transcript);
  const before = await takeCheckpoint(ctx, bottle, beforeName(checkpoint), warn);
  const parts: Part[] = [];
  try {
    ctx.activity.progress(identity, { line: 'Copying the checkpoint beside the saved snapshots' });
    if (plan === null) await stage(parts, join(source, CHECKPOINT_FILES.workspace), paths.workspace, 'folder');
    if (bottle.agent.config.transcriptDir !== null)
      await stage(parts, checkpoint.saved.transcript ? join(source, CHECKPOINT_FILES.transcript) : null, paths.transcript, 'folder');
    // The bottle's own Dockerfile comes back; a checkpoint of the agent's Dockerfile means it had none.
    if (checkpoint.dockerfile === 'own') await stage(parts, join(source, CHECKPOINT_FILES.dockerfile), paths.dockerfile, 'file');
    if (checkpoint.dockerfile === 'agent') await stage(parts, null, paths.dockerfile, 'file');
    // Mount mode: the folder is written before the swap, so a refusal midway (a link planted on
    // the way) leaves the transcript and Dockerfile as they were.
    if (plan !== null) await runMountRestore(plan, (line) => ctx.activity.progress(identity, { line }));
    await swapAll(parts);
  } catch (error: unknown) {
    for (const part of parts) if (part.staged !== null) await rm(part.staged, { recursive: true, force: true });
    throw new BottleError(
      'internal',
      plan === null
        ? `restore of ${identity} failed, nothing was changed (the state it had is kept as checkpoint ${before.id} too): ${errorMessage(error)}`
        : `restore of ${identity} stopped: ${errorMessage(error)}; the project folder may be partly restored, and its state before is kept as checkpoint ${before.id} (restore that to go back)`,
    );
  }
  for (const part of parts) if (part.old !== null) await rm(part.old, { recursive: true, force: true });
  const image = await restoreImage(ctx, identity, checkpoint, warn);
  return { identity, restored: checkpoint, before, image };
}

/** The bottle must have no container: a resume would save the container's state over the restored one. */
async function requireNoContainer(ctx: CoreDeps, identity: string): Promise<void> {
  const { ours, other } = await bottleContainers(ctx.docker, identity);
  if (ours === null && other !== null)
    throw new BottleError(
      'conflict',
      `the container name of ${identity} is taken by a container another claude-bottle state root made: nothing restored`,
    );
  const found = ours;
  if (found === null) return;
  const state =
    found.State === 'exited' || found.State === 'created' || found.State === 'dead' ? 'stopped but still has its container' : 'running';
  throw new BottleError('conflict', `${identity} is ${state}: stop it first: claude-bottle stop ${identity}`);
}

/** "before restore of <name or id>", cut to a checkpoint name's length. */
function beforeName(checkpoint: CheckpointView): string {
  const name = `before restore of ${checkpoint.name ?? checkpoint.id}`;
  return [...name].length <= MAX_CHECKPOINT_NAME_CHARS ? name : `before restore of ${checkpoint.id}`;
}

/**
 * A copy of a checkpoint's folder or file beside `dest` (links stay links, modes and times kept);
 * null `from`: the part goes. Listed in `parts` before the copy starts, so a copy that fails
 * halfway is removed with the rest.
 */
async function stage(parts: Part[], from: string | null, dest: string, kind: 'folder' | 'file'): Promise<void> {
  const part: Part = { dest, staged: from === null ? null : besideName(dest, ''), old: null };
  parts.push(part);
  if (from === null || part.staged === null) return;
  if (kind === 'file') await copyFile(from, part.staged);
  else await cp(from, part.staged, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false, preserveTimestamps: true });
}

/**
 * The image the checkpoint's own Dockerfile built, named again as the bottle's image, so the
 * resume runs it rather than a rebuild. Gone from the engine: said in one line, and the resume
 * builds from the Dockerfile put back. An agent's image is the agent's to keep.
 */
async function restoreImage(
  ctx: CoreDeps,
  identity: string,
  checkpoint: CheckpointView,
  warn: (message: string) => void,
): Promise<CheckpointRestore['image']> {
  const { id, reference } = checkpoint.image;
  const found = id === null ? null : await ifImageExists(ctx.docker.getImage(id).inspect());
  if (found === null) {
    warn(
      `the image of checkpoint ${checkpoint.id} (${reference ?? 'unrecorded'}${id === null ? '' : `, ${id.slice(0, 19)}`}) is gone from the engine: the resume of ${identity} builds it again from the checkpoint's Dockerfile`,
    );
    return 'gone';
  }
  if (checkpoint.dockerfile !== 'own') return 'kept';
  const [repo, tag] = perBottleImageTag(identity).split(':') as [string, string];
  await ctx.docker.getImage(found.Id).tag({ repo, tag });
  return 'kept';
}
