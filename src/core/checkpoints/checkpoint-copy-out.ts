import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BottleError } from '../base/bottle-error';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { WORKSPACE } from '../engine/bottle-mounts';
import { extractArchive, extractFolder, SnapshotBudget, SnapshotTooLargeError } from '../engine/container-archive';
import { openArchive } from '../engine/container-files';
import type { EngineContainer } from '../engine/engine-client';
import { ALREADY_DONE, ifContainerExists } from '../engine/if-engine-object-exists';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { CHECKPOINT_FILES } from './checkpoint-store';

/** What was copied out of a container, and how long it was paused for it. */
export interface CopiedOut {
  workspace: boolean;
  transcript: boolean;
  /** Null when it was not running (nothing to pause). */
  pausedMs: number | null;
}

/** Spool files stream in and out in large chunks, as the snapshot's extraction writes (container-archive.ts). */
const SPOOL_CHUNK = 512 * 1024;

/**
 * Copies a container's /workspace and transcript folder into the staging folder. A running
 * container is paused only while they are copied, and unpaused whatever happens: the transcript is
 * extracted as it comes; the workspace's archive is written to a file as it arrives (no parsing,
 * so the agent is frozen as briefly as the bytes allow) and extracted after the unpause, with the
 * snapshot's hostile-archive rules. Every byte counts against `budget` as it arrives.
 */
export async function copyOutOfContainer(
  container: EngineContainer,
  bottle: LoadedBottle,
  staging: string,
  budget: SnapshotBudget,
  pause: boolean,
): Promise<CopiedOut> {
  const { transcriptDir, secretFiles } = bottle.agent.config;
  // The workspace's archive, spooled here while the container is paused, extracted after.
  const spool = join(staging, `${TEMP_PREFIX}workspace.tar`);
  let transcript = false;
  // Timed from before the pause to after the unpause: the longest the agent could have been frozen.
  const pausedAt = pause ? performance.now() : null;
  let pausedMs: number | null = null;
  if (pause) await container.pause();
  try {
    if (transcriptDir !== null) {
      // Extracted at once, not spooled: the agent's login files (placeholders) are never written
      // anywhere, as in every snapshot; a transcript is small beside a workspace.
      const extracted = await extractFolder(container, transcriptDir, join(staging, CHECKPOINT_FILES.transcript), budget, {
        exclude: secretFiles,
      });
      if (extracted !== null) {
        await rename(extracted.temp, extracted.dest);
        transcript = true;
      }
    }
    if (!(await spoolArchive(container, WORKSPACE, spool, budget)))
      throw new BottleError('not-found', `the container of ${bottle.identity} has no ${WORKSPACE} to checkpoint`);
  } finally {
    if (pausedAt !== null) {
      // Gone meanwhile (404), or already unpaused by someone else (409): nothing is left frozen.
      await ifContainerExists(container.unpause(), ALREADY_DONE);
      pausedMs = Math.round(performance.now() - pausedAt);
    }
  }
  // The spool's bytes were counted already; this budget only bounds what the extraction writes.
  const extracted = await extractArchive(
    createReadStream(spool, { highWaterMark: SPOOL_CHUNK }),
    WORKSPACE,
    join(staging, CHECKPOINT_FILES.workspace),
    new SnapshotBudget(budget.limit),
  );
  await rename(extracted.temp, extracted.dest);
  await rm(spool, { force: true });
  return { workspace: true, transcript, pausedMs };
}

/**
 * The engine's archive of `source` written to `file` as it arrives; false when the folder does
 * not exist. Past the budget it stops at once (SnapshotTooLargeError), reading no more.
 */
async function spoolArchive(container: EngineContainer, source: string, file: string, budget: SnapshotBudget): Promise<boolean> {
  const archive = await openArchive(container, source);
  if (archive === null) return false;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done): void {
      budget.used += chunk.length;
      if (budget.used > budget.limit) done(new SnapshotTooLargeError(source));
      else done(null, chunk);
    },
  });
  await pipeline(archive, counted, createWriteStream(file, { flags: 'wx', mode: 0o600, highWaterMark: SPOOL_CHUNK }));
  return true;
}
