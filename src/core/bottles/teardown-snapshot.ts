import { lstat, readdir } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { WORKSPACE } from '../engine/bottle-mounts';
import { discardExtracted, SnapshotBudget, type ExtractedFolder } from '../engine/container-archive';
import { hostRootfs } from '../engine/container-rootfs';
import type { EngineContainer } from '../engine/engine-client';
import { ALREADY_DONE, ifContainerExists } from '../engine/if-engine-object-exists';
import { copyRootfsFolder } from '../engine/rootfs-copy';
import { ifExists } from '../fs/if-exists';
import { readLimits } from '../state/limits';
import { bottlePaths } from '../state/state-paths';

/*
 * The teardown's snapshot without the engine's archive stream, on a local overlay2 engine: the
 * running container is paused, its transcript and workspace copied from its root filesystem on
 * this host (copyRootfsFolder: the extraction's rules without the archive), and unpaused; then it
 * is stopped as before. What it may write between the unpause and the end of its stop (its
 * SIGTERM handler flushing the transcript, say) is found in its writable layer, which the engine
 * keeps on disk after the stop: a folder with anything there changed since the pause (its ctime,
 * which nothing in the container can set back) is copied again through the archive, from the
 * stopped container, exactly as the teardown always did. So the snapshot is what the stopped
 * container holds, either way.
 */

/** One folder copied before the stop: its copy (null: the container had none), and what it counted in the budget. */
interface EarlyFolder {
  copy: ExtractedFolder | null;
  counted: number;
}

/** The copies made before the stop, and what tells whether they still hold after it. */
export interface EarlyCopy {
  /** Shared with the save after the stop: the cap is on both folders together. */
  budget: SnapshotBudget;
  /** By container path; a folder not here (reached through a link, say) goes through the archive. */
  folders: Map<string, EarlyFolder>;
  /** The container's writable layer on this host (overlay2's UpperDir). */
  upperDir: string;
  /** The wall clock just before the pause, in nanoseconds since 1970 (what the layer's ctimes are compared with). */
  pausedAt: bigint;
  /** The monotonic clock at the same moment: tells whether the wall clock was stepped back since. */
  pausedMono: bigint;
}

/**
 * How long before the pause a change still counts as one after it. The kernel stamps ctimes from a
 * coarse clock that trails the real one by up to a tick (10 ms at HZ=100); a layer whose stamps are
 * whole seconds (a filesystem without finer ones) trails by up to a second. A change this close
 * before the pause only costs the archive's copy of its folder: the wider margin made that the case
 * for a transcript written in the second before an approval, which the bench's rounds are.
 */
const CLOCK_MARGIN_NS = 50_000_000n;
const WHOLE_SECOND_MARGIN_NS = 1_000_000_000n;
/** A wall clock that fell this far behind the monotonic one since the pause was stepped back: nothing is trusted. */
const STEP_BACK_NS = 10_000_000n;

function wallNowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * Copies the folders a teardown saves out of a running container while it is paused, before the
 * stop (or, for an approval's first snapshot, as the snapshot of that moment). Null when this is
 * not possible here (an engine elsewhere, not overlay2, a folder under a mount, a container not
 * plainly running) or the copy failed (over the cap, say): the teardown then saves through the
 * archive after the stop, and reports that one's failure.
 */
export async function copyBeforeStop(ctx: CoreDeps, container: EngineContainer, bottle: LoadedBottle): Promise<EarlyCopy | null> {
  const paths = bottlePaths(bottle.identity);
  const { transcriptDir, secretFiles } = bottle.agent.config;
  const wanted: { source: string; dest: string; exclude?: string[] }[] = [
    ...(transcriptDir === null ? [] : [{ source: transcriptDir, dest: paths.transcript, exclude: secretFiles }]),
    ...(bottle.metadata.copy_cwd ? [{ source: WORKSPACE, dest: paths.workspace }] : []),
  ];
  if (wanted.length === 0) return null;
  const inspected = await container.inspect();
  if (!inspected.State.Running || inspected.State.Paused || inspected.State.Restarting) return null;
  const upperDir = (inspected.GraphDriver as { Data?: Record<string, unknown> | null } | undefined)?.Data?.UpperDir;
  if (typeof upperDir !== 'string' || !isAbsolute(upperDir)) return null;
  const folders = wanted.map((folder) => folder.source);
  const rootfs = await hostRootfs({ docker: ctx.docker, local: ctx.engine.local, inspected, folders });
  if (rootfs === null) return null;
  const early: EarlyCopy = {
    budget: new SnapshotBudget((await readLimits()).maxSnapshotBytes),
    folders: new Map(),
    upperDir,
    pausedAt: wallNowNs(),
    pausedMono: process.hrtime.bigint(),
  };
  try {
    await container.pause();
  } catch (error: unknown) {
    // Exited, paused or removed since the inspect, or the engine would not: the stop that follows
    // meets the same state (and reports an engine that is away); the archive copies what is there.
    void error;
    return null;
  }
  let copied = true;
  try {
    // One after the other: each folder's share of the budget is what it added.
    for (const { source, dest, exclude } of wanted) {
      const before = early.budget.used;
      const copy = await copyRootfsFolder(rootfs, source, dest, early.budget, { settle: true, ...(exclude ? { exclude } : {}) });
      if (copy !== 'stream') early.folders.set(source, { copy, counted: early.budget.used - before });
    }
  } catch (error: unknown) {
    // Over the cap, or unreadable: the archive after the stop copies it and reports what it finds.
    void error;
    copied = false;
  }
  try {
    // Gone meanwhile (404), or unpaused by someone else (409): nothing is left frozen.
    await ifContainerExists(container.unpause(), ALREADY_DONE);
  } catch (error: unknown) {
    await discardEarly(early);
    throw error;
  }
  if (copied) return early;
  await discardEarly(early);
  return null;
}

/**
 * The copies made before the stop that still hold once it stopped (by container path); the others
 * are dropped, their share of the budget given back, for the archive to copy those folders again.
 */
export async function keptAfterStop(early: EarlyCopy): Promise<Map<string, ExtractedFolder | null>> {
  const kept = new Map<string, ExtractedFolder | null>();
  const stepped = clockSteppedBack(early, wallNowNs(), process.hrtime.bigint());
  for (const [source, folder] of early.folders) {
    if (!stepped && (await unchangedSince(early.upperDir, source, early.pausedAt))) {
      kept.set(source, folder.copy);
      continue;
    }
    await discardExtracted(folder.copy);
    early.budget.used -= folder.counted;
  }
  return kept;
}

/** Every copy made while the container was paused: the snapshot of a container that is not being stopped is the one of that moment. */
export function keptAsPaused(early: EarlyCopy): Map<string, ExtractedFolder | null> {
  return new Map([...early.folders].map(([source, folder]) => [source, folder.copy]));
}

/** Drops every copy made before the stop. */
export async function discardEarly(early: EarlyCopy | null): Promise<void> {
  if (early === null) return;
  for (const folder of early.folders.values()) await discardExtracted(folder.copy);
}

/**
 * Whether the wall clock was stepped back since the pause (by more than STEP_BACK_NS): a change made
 * after it could then carry a ctime from before the pause, and no copy made before the stop is kept.
 */
export function clockSteppedBack(early: Pick<EarlyCopy, 'pausedAt' | 'pausedMono'>, wallNow: bigint, monoNow: bigint): boolean {
  return monoNow - early.pausedMono - (wallNow - early.pausedAt) > STEP_BACK_NS;
}

/**
 * Whether a ctime in the layer is from after the pause, or too close before it to tell (see
 * CLOCK_MARGIN_NS). A stamp of a whole second may come from a filesystem that keeps no finer ones
 * (or from an inode that lost them): it is held to the second's margin.
 */
export function changedAfterPause(ctimeNs: bigint, pausedAt: bigint): boolean {
  return ctimeNs >= pausedAt - (ctimeNs % 1_000_000_000n === 0n ? WHOLE_SECOND_MARGIN_NS : CLOCK_MARGIN_NS);
}

/**
 * True when nothing in the writable layer at `folder` or on its way changed since the pause: every
 * folder on the way that the layer holds (a name added or removed there moves its ctime: a missing
 * one was missing before too), and every entry under the folder itself. A layer the engine no
 * longer keeps is taken for changed.
 */
async function unchangedSince(upperDir: string, folder: string, pausedAt: bigint): Promise<boolean> {
  const parts = posix
    .normalize(folder)
    .split('/')
    .filter((name) => name !== '');
  let path = upperDir;
  const root = await ifExists(lstat(path, { bigint: true }));
  if (root === null || !root.isDirectory() || changedAfterPause(root.ctimeNs, pausedAt)) return false;
  for (const part of parts) {
    path = join(path, part);
    const info = await ifExists(lstat(path, { bigint: true }));
    if (info === null) return true;
    if (changedAfterPause(info.ctimeNs, pausedAt)) return false;
    if (!info.isDirectory()) return true;
  }
  return subtreeUnchanged(path, pausedAt);
}

async function subtreeUnchanged(folder: string, pausedAt: bigint): Promise<boolean> {
  for (const name of await readdir(folder)) {
    const path = join(folder, name);
    const info = await lstat(path, { bigint: true });
    if (changedAfterPause(info.ctimeNs, pausedAt)) return false;
    if (info.isDirectory() && !(await subtreeUnchanged(path, pausedAt))) return false;
  }
  return true;
}
