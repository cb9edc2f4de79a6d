import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough, pipeline } from 'node:stream';
import { BottleError } from '../base/bottle-error';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { WORKSPACE } from '../engine/bottle-mounts';
import { discardExtracted, extractArchive, extractFolder, type ExtractedFolder, type SnapshotBudget } from '../engine/container-archive';
import { openArchive } from '../engine/container-files';
import { copyRootfsFolder } from '../engine/rootfs-copy';
import type { EngineContainer } from '../engine/engine-client';
import { ALREADY_DONE, ifContainerExists } from '../engine/if-engine-object-exists';
import { CHECKPOINT_FILES } from './checkpoint-store';

/** What was copied out of a container, and how long it was paused for it. */
export interface CopiedOut {
  workspace: boolean;
  transcript: boolean;
  /** Null when it was not running (nothing to pause). */
  pausedMs: number | null;
}

/**
 * How much of the workspace's archive may wait in memory for its extraction, so the engine sends
 * on without waiting for the disk and the pause ends with its last byte. The read-ahead holds up
 * to twice this (its writable and readable sides); an extraction that falls further behind slows
 * the engine (and lengthens the pause) rather than growing the memory.
 */
const READ_AHEAD = 32 * 1024 * 1024;

/** The two copies under way, and when the container may be unpaused. */
interface Copies {
  transcript: Promise<ExtractedFolder | null>;
  workspace: Promise<ExtractedFolder | null>;
  /** Settles (never rejects) once the transcript is copied and the engine has sent all of the workspace. */
  sent: Promise<unknown>;
}

/**
 * Copies a container's /workspace and transcript folder into the staging folder, with the
 * snapshot's hostile-archive rules; every entry counts against `budget` before it is written. A
 * running container is paused only while the engine sends them, and unpaused whatever happens:
 * both archives are asked for at once and extracted as they arrive; the workspace's is read ahead
 * into memory, so the pause ends with the engine's last byte and its extraction finishes after.
 * With `rootfs` (the container's root filesystem on this host, see hostRootfs; only when it is
 * paused here), both are copied from there while it is paused, the same tree without the archive.
 */
export async function copyOutOfContainer(
  container: EngineContainer,
  bottle: LoadedBottle,
  staging: string,
  budget: SnapshotBudget,
  pause: boolean,
  rootfs: string | null = null,
): Promise<CopiedOut> {
  // Timed from before the pause to after the unpause: the longest the agent could have been frozen.
  const pausedAt = pause ? performance.now() : null;
  let pausedMs: number | null = null;
  if (pause) await container.pause();
  const copies =
    pause && rootfs !== null
      ? startDirectCopies(rootfs, container, bottle, staging, budget)
      : startCopies(container, bottle, staging, budget);
  // Both settle before anything is thrown, so neither is left writing into the staging folder.
  const settled = Promise.allSettled([copies.transcript, copies.workspace]);
  await copies.sent;
  let unpauseFailure: { error: unknown } | null = null;
  if (pausedAt !== null) {
    try {
      // Gone meanwhile (404), or already unpaused by someone else (409): nothing is left frozen.
      await ifContainerExists(container.unpause(), ALREADY_DONE);
    } catch (error: unknown) {
      unpauseFailure = { error };
    }
    pausedMs = Math.round(performance.now() - pausedAt);
  }
  const [transcript, workspace] = await settled;
  const kept = [transcript, workspace].flatMap((result) => (result.status === 'fulfilled' && result.value !== null ? [result.value] : []));
  const failed = [transcript, workspace].find((result) => result.status === 'rejected');
  if (unpauseFailure !== null || failed !== undefined || workspace.status !== 'fulfilled' || workspace.value === null) {
    await Promise.all(kept.map(discardExtracted));
    if (unpauseFailure !== null) throw unpauseFailure.error;
    if (failed !== undefined) throw failed.reason;
    throw new BottleError('not-found', `the container of ${bottle.identity} has no ${WORKSPACE} to checkpoint`);
  }
  if (transcript.status === 'fulfilled' && transcript.value !== null) await rename(transcript.value.temp, transcript.value.dest);
  await rename(workspace.value.temp, workspace.value.dest);
  return { workspace: true, transcript: transcript.status === 'fulfilled' && transcript.value !== null, pausedMs };
}

/** Starts the transcript's copy (whole: it is small, and the agent's login files in it are never written anywhere) and the workspace's. */
function startCopies(container: EngineContainer, bottle: LoadedBottle, staging: string, budget: SnapshotBudget): Copies {
  const { transcriptDir, secretFiles } = bottle.agent.config;
  const transcript =
    transcriptDir === null
      ? Promise.resolve(null)
      : extractFolder(container, transcriptDir, join(staging, CHECKPOINT_FILES.transcript), budget, { exclude: secretFiles });
  let received = (): void => undefined;
  const workspaceSent = new Promise<void>((resolve) => (received = resolve));
  const workspace = (async (): Promise<ExtractedFolder | null> => {
    try {
      const archive = await openArchive(container, WORKSPACE);
      if (archive === null) return null;
      // Closed once the engine has sent its last byte (or the copy stopped): nothing more is read from it.
      archive.once('close', received);
      const readAhead = new PassThrough({ highWaterMark: READ_AHEAD });
      // Either side's failure destroys the other: the engine's reaches the extraction through
      // readAhead, and an extraction stopped (past the budget) stops the engine's stream.
      pipeline(archive, readAhead, () => undefined);
      return await extractArchive(readAhead, WORKSPACE, join(staging, CHECKPOINT_FILES.workspace), budget);
    } finally {
      received();
    }
  })();
  return { transcript, workspace, sent: Promise.allSettled([transcript, workspaceSent]) };
}

/**
 * Both folders copied from the container's root filesystem on this host (copyRootfsFolder), each
 * through the engine's archive instead when its path holds a link; the container stays paused
 * until both are copied whole.
 */
function startDirectCopies(
  rootfs: string,
  container: EngineContainer,
  bottle: LoadedBottle,
  staging: string,
  budget: SnapshotBudget,
): Copies {
  const { transcriptDir, secretFiles } = bottle.agent.config;
  const copy = async (source: string, dest: string, exclude?: string[]): Promise<ExtractedFolder | null> => {
    const options = exclude === undefined ? {} : { exclude };
    const copied = await copyRootfsFolder(rootfs, source, dest, budget, options);
    return copied === 'stream' ? extractFolder(container, source, dest, budget, options) : copied;
  };
  const transcript =
    transcriptDir === null ? Promise.resolve(null) : copy(transcriptDir, join(staging, CHECKPOINT_FILES.transcript), secretFiles);
  const workspace = copy(WORKSPACE, join(staging, CHECKPOINT_FILES.workspace));
  return { transcript, workspace, sent: Promise.allSettled([transcript, workspace]) };
}
