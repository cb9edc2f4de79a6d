import { formatBytes } from '../../shared/format-bytes';
import { findBottleContainer } from '../engine/bottle-containers';
import type { CoreDeps } from '../deps/core-deps';
import { readStopReason, writeStopReason } from '../state/stop-reason';
import { measureFolder } from '../fs/measure-folder';
import { readLimits, type BottleLimits } from '../state/limits';
import { bottlePaths, settingsPath } from '../state/state-paths';
import { ifContainerExists } from '../engine/if-engine-object-exists';

/**
 * The host folders a bottle's agent can write (DESIGN.md §3): its inbox, bind-mounted read-write.
 * The tool and the bottle's Dockerfile are mounted read-only; the transcript and a copy-mode
 * workspace reach the host only as snapshots copied out at stop and approve, under the snapshot
 * cap; the project folder in mount mode is the operator's own and has no budget.
 */
export function hostWriteFolders(identity: string): { name: string; path: string }[] {
  return [{ name: 'inbox', path: bottlePaths(identity).inbox }];
}

/** Why the bottle's writable host folders are over their budget now; null when they are within it. */
export async function hostWriteOverBudget(
  identity: string,
  limits: Pick<BottleLimits, 'maxHostWriteBytes' | 'maxHostWriteEntries'>,
): Promise<string | null> {
  let bytes = 0;
  let entries = 0;
  for (const folder of hostWriteFolders(identity)) {
    // One budget for all of them: the agent cannot spread its writes to get more.
    const measured = await measureFolder(folder.path, {
      maxBytes: limits.maxHostWriteBytes - bytes,
      maxEntries: limits.maxHostWriteEntries - entries,
    });
    bytes += measured.bytes;
    entries += measured.entries;
    // The card shows the first words: what happened and what to do; where and which setting follow.
    const then = `empty it to resume (${folder.path};`;
    if (measured.over === 'bytes')
      return `its ${folder.name} went over its ${formatBytes(limits.maxHostWriteBytes)} disk budget; ${then} the budget is maxHostWriteBytes in ${settingsPath()})`;
    if (measured.over === 'entries')
      return `its ${folder.name} went over its budget of ${limits.maxHostWriteEntries} files; ${then} the budget is maxHostWriteEntries in ${settingsPath()})`;
    if (measured.over === 'unreadable')
      return `its ${folder.name} holds something this host cannot read, so its size cannot be bounded; empty it to resume (${folder.path})`;
  }
  return null;
}

/**
 * Measurements of one bottle during a flood of file events: at least this far apart, and at least
 * twice as far apart as the last one took, so a flood costs at most a third of a core however
 * big the folder while a fast writer (hundreds of MB/s) is still measured every few megabytes.
 */
const EVENT_GAP_MS = 20;
/** How long a read of settings.json stands for the budget's measurements. */
const LIMITS_TTL_MS = 1000;
/** The safety-net pass over every inbox (writes in subfolders or through mmap raise no event on the inbox). */
const SWEEP_GAP_MS = 5000;

interface GuardSlot {
  lastAt: number;
  /** How long the last measurement took. */
  lastCostMs: number;
  running: Promise<void> | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Keeps each bottle's writable host folders within their budget: measures them when told they
 * changed, and calls `overBudget` with the reason when they are past it. Measurements of one bottle
 * never overlap and are spaced out however many events a flood raises (the first at once, the last
 * after the flood, so neither the start nor the end of a burst goes unmeasured); each measurement
 * is itself bounded (see measureFolder). Nothing here rejects: failures go to `failed`.
 */
export class HostDiskGuard {
  private readonly slots = new Map<string, GuardSlot>();
  /** settings.json read at most once a second, not once per bottle of a listing or per event of a flood. */
  private limits: { at: number; read: Promise<BottleLimits> } | null = null;

  constructor(
    private readonly overBudget: (identity: string, reason: string) => Promise<void>,
    private readonly failed: (identity: string, error: unknown) => void,
  ) {}

  /** A file event in one of the bottle's folders: measured now, or as soon as the gap allows. */
  changed(identity: string): void {
    void this.check(identity, EVENT_GAP_MS, true);
  }

  /** The periodic pass: measured if it was not in the last SWEEP_GAP_MS. */
  sweep(identity: string): void {
    void this.check(identity, SWEEP_GAP_MS, false);
  }

  /** A read (ls, show, the app's refresh): measured unless it just was; resolves once acted on. */
  async settle(identity: string): Promise<void> {
    await this.check(identity, EVENT_GAP_MS, false);
  }

  /** Forgets a bottle that is gone (its timer, its last measurement). */
  forget(identity: string): void {
    const slot = this.slots.get(identity);
    if (slot?.timer) clearTimeout(slot.timer);
    this.slots.delete(identity);
  }

  close(): void {
    for (const identity of [...this.slots.keys()]) this.forget(identity);
  }

  private check(identity: string, minGapMs: number, trailing: boolean): Promise<void> {
    let slot = this.slots.get(identity);
    if (slot === undefined) {
      slot = { lastAt: Number.NEGATIVE_INFINITY, lastCostMs: 0, running: null, timer: null };
      this.slots.set(identity, slot);
    }
    const current = slot;
    const wait = current.lastAt + Math.max(minGapMs, 2 * current.lastCostMs) - Date.now();
    if (current.running !== null || wait > 0) {
      if (trailing) this.later(identity, current, Math.max(wait, EVENT_GAP_MS));
      return current.running ?? Promise.resolve();
    }
    const startedAt = Date.now();
    current.lastAt = startedAt;
    current.running = this.measure(identity, () => {
      current.lastCostMs = Date.now() - startedAt;
    }).finally(() => {
      current.running = null;
    });
    return current.running;
  }

  private later(identity: string, slot: GuardSlot, delayMs: number): void {
    if (slot.timer !== null) return;
    slot.timer = setTimeout(() => {
      slot.timer = null;
      void this.check(identity, EVENT_GAP_MS, true);
    }, delayMs);
    slot.timer.unref();
  }

  private currentLimits(): Promise<BottleLimits> {
    if (this.limits === null || Date.now() - this.limits.at > LIMITS_TTL_MS) {
      const read = readLimits();
      // A settings.json that cannot be read is reported by this measurement and read again by the next.
      read.catch((_error: unknown) => {
        if (this.limits?.read === read) this.limits = null;
      });
      this.limits = { at: Date.now(), read };
    }
    return this.limits.read;
  }

  private async measure(identity: string, measured: () => void): Promise<void> {
    try {
      const reason = await hostWriteOverBudget(identity, await this.currentLimits());
      measured();
      if (reason !== null) await this.overBudget(identity, reason);
    } catch (error: unknown) {
      this.failed(identity, error);
    }
  }
}

/**
 * First step of stopping a bottle over its budget, before (and without) its lock: kills its
 * container if it runs, then records why. Killed, not stopped: a graceful stop gives a hostile agent ten
 * more seconds of writing, and every file it already wrote stays in the container for the save.
 * Returns whether there is a container to retire (with no container nothing writes any more).
 */
export async function haltOverBudget(ctx: CoreDeps, identity: string, reason: string): Promise<boolean> {
  const info = await findBottleContainer(ctx.docker, identity);
  if (info === null) return false;
  // The kill first: every millisecond before it is more of the host's disk.
  if (info.State === 'running' || info.State === 'paused' || info.State === 'restarting') {
    // Gone or exited meanwhile (404, 409): nothing writes any more, which is all the kill was for.
    await ifContainerExists(ctx.docker.getContainer(info.Id).kill(), [409]);
  }
  if ((await readStopReason(identity))?.reason !== reason) await writeStopReason(identity, reason);
  return true;
}
