import { cp, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointView } from '../../shared/checkpoints';
import { agentImageTag } from '../bottles/bottle-image';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { findBottleContainer } from '../engine/bottle-containers';
import { extractFolder, type SnapshotBudget, SnapshotTooLargeError } from '../engine/container-archive';
import { ifImageExists } from '../engine/if-engine-object-exists';
import { ifExists } from '../fs/if-exists';
import { isDirectory } from '../fs/is-directory';
import { bottlePaths, perBottleImageTag } from '../state/state-paths';
import { CHECKPOINT_FILES, folderBytes } from './checkpoint-store';
import { copyChanged, diffAgainstBaseline, mountBaseline } from './mount-state';

/** What a mount-mode checkpoint copied: the folder's changed paths, its deleted ones, the transcript. */
export interface MountCopied {
  source: CheckpointView['source'];
  image: CheckpointView['image'];
  transcript: boolean;
  deleted: string[];
  /** The project folder, whose git state the checkpoint records. */
  cwd: string;
}

/**
 * The copy step of a mount-mode bottle's checkpoint: the project folder's state against its
 * baseline (changed and added paths copied into workspace/, deleted ones listed), read from the
 * host folder directly, so the container is never paused; the transcript from the container
 * while it has one, else from the bottle's saved snapshot.
 */
export async function copyMountParts(ctx: CoreDeps, bottle: LoadedBottle, staging: string, budget: SnapshotBudget): Promise<MountCopied> {
  const baseline = await mountBaseline(bottle);
  const diff = await diffAgainstBaseline(baseline);
  const deleted = await copyChanged(baseline, diff, join(staging, CHECKPOINT_FILES.workspace), budget);
  const dest = join(staging, CHECKPOINT_FILES.transcript);
  const { transcriptDir, secretFiles } = bottle.agent.config;
  const info = await findBottleContainer(ctx.docker, bottle.identity);
  if (info !== null) {
    const container = ctx.docker.getContainer(info.Id);
    const inspected = await container.inspect();
    let transcript = false;
    if (transcriptDir !== null) {
      const extracted = await extractFolder(container, transcriptDir, dest, budget, { exclude: secretFiles });
      if (extracted !== null) {
        await rename(extracted.temp, extracted.dest);
        transcript = true;
      }
    }
    const image = { reference: inspected.Config.Image || null, id: inspected.Image || null };
    return { source: inspected.State.Running ? 'running' : 'exited', image, transcript, deleted, cwd: baseline.cwd };
  }
  const paths = bottlePaths(bottle.identity);
  const transcript = await isDirectory(paths.transcript);
  if (transcript) await cp(paths.transcript, dest, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  if (budget.used + (await folderBytes(dest)) > budget.limit) throw new SnapshotTooLargeError(bottle.identity);
  const hasOwn = (await ifExists(stat(paths.dockerfile))) !== null;
  const reference = hasOwn ? perBottleImageTag(bottle.identity) : await agentImageTag(bottle.agent);
  const inspected = await ifImageExists(ctx.docker.getImage(reference).inspect());
  return { source: 'stopped', image: { reference, id: inspected?.Id ?? null }, transcript, deleted, cwd: baseline.cwd };
}
