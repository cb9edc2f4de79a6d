import { HostDiskGuard } from '../bottles/host-disk-budget';
import { processInbox } from '../rebuild';
import { listStateRoot, mapLimited, yieldToEventLoop, YIELD_EVERY, type StateEntry } from '../state/state-listing';
import { StateScanCache } from '../state/state-scan-cache';
import { EngineContainerIndex } from './engine-container-index';
import { RemoteInboxStamps, syncRemoteInbox } from '../rebuild/remote-inbox';
import { keepStamps, loadKeptStamps } from '../rebuild/remote-inbox-stamp-file';
import { depsForBottle, onEngine, type CoreDeps } from '../deps/core-deps';
import { isConnectionError } from '../engine/docker-client';
import { ingestAgentStatus } from '../rebuild/status-throttle';
import type { Notices } from '../base/notices';

/** What settling tells the rest of the core: a bottle that may look different, and failures. */
export interface InboxHooks {
  changed(identity: string): void;
  notices: Notices;
}

/**
 * Which engine each bottle is on, and the settling of its inbox there: the requests, status
 * reports and disk budget of a local bottle's inbox folder, or a remote bottle's inbox read through
 * its engine's API. Apart from BottleService so that the rules of reading what agents wrote live in
 * one place, used by every read (one bottle, or all of them for `ls` and a window's first list).
 */
export class BottleInboxes {
  /** Bottles seen on a remote engine: their inboxes are read through the engine's API. */
  private readonly remote = new Set<string>();
  /**
   * Keeps every local bottle's writable host folders (its inbox) within their disk budget: every
   * read measures them (so `ls`/`show` act on a budget passed while no app ran), and a live core's
   * inbox watcher reports their changes to it.
   */
  readonly hostDisk: HostDiskGuard;
  /** Bottles stopped over their budget so far: a pass that stopped one does not reuse a listing taken before. */
  private budgetStops = 0;

  constructor(
    private readonly ctx: CoreDeps,
    private readonly hooks: InboxHooks,
    /** A bottle whose host folders went over their budget: stop it (BottleService.stopOverBudget). */
    overBudget: (identity: string, reason: string) => Promise<void>,
  ) {
    const stop = (identity: string, reason: string): Promise<void> => {
      this.budgetStops += 1;
      return overBudget(identity, reason);
    };
    this.hostDisk = new HostDiskGuard(stop, (identity, error) =>
      this.hooks.notices.failure(`Could not keep ${identity} within its disk budget`, error),
    );
  }

  /**
   * The dependencies for one bottle, on the engine it records (and whether its inbox is read
   * remotely). `scanned`: its folder as just read, which says the engine already; a damaged one is
   * read again here, to fail as ever.
   */
  engineFor(identity: string, scanned: StateEntry | null = null): CoreDeps {
    const ctx =
      scanned?.status === 'ok' ? onEngine(this.ctx, this.ctx.engines.forBottle(scanned.engine)) : depsForBottle(this.ctx, identity);
    if (ctx.engine.local) this.remote.delete(identity);
    else this.remote.add(identity);
    return ctx;
  }

  /** Puts answers written in a remote bottle's state inbox into its container (a local one shares it). */
  async deliver(ctx: CoreDeps, identity: string): Promise<void> {
    if (ctx.engine.local) return;
    await syncRemoteInbox(ctx, identity, { force: true });
  }

  /**
   * settleInbox with the dependencies on the bottle's engine already known. A pass over every
   * bottle passes what it knows already: `folder`, which of its folders are there (a step whose
   * folder is not there has nothing to read: a missing inbox measures zero and holds no request
   * and no status file, and with no rebuild folder either there is no warning or question to
   * forget), and `containers`, its engines' containers listed once.
   */
  async settleOn(
    ctx: CoreDeps,
    identity: string,
    known: { folder: { inbox: boolean; rebuild: boolean } | null; containers: EngineContainerIndex } | null = null,
  ): Promise<boolean> {
    if (ctx.engine.local) {
      const inbox = known?.folder?.inbox ?? true;
      // The budget first: an inbox flooded with files is stopped before it is read for requests.
      if (inbox) await this.hostDisk.settle(identity);
      const [requests, status] = await Promise.all([
        inbox || (known?.folder?.rebuild ?? true) ? processInbox(identity) : false,
        // The status file is in the inbox.
        inbox ? ingestAgentStatus(identity) : false,
      ]);
      return requests || status;
    }
    // As for a local bottle: a state folder with neither an inbox nor a rebuild folder has nothing to process.
    const settleHere = (): Promise<boolean> =>
      known?.folder?.inbox === false && !known.folder.rebuild ? Promise.resolve(false) : processInbox(identity);
    try {
      const requests = await (known === null
        ? syncRemoteInbox(ctx, identity)
        : known.containers.onEngine(ctx, () =>
            syncRemoteInbox(ctx, identity, { listed: () => known.containers.ours(ctx, identity), settleHere }),
          ));
      // The sync brought the container's status file home beside its requests.
      return (await ingestAgentStatus(identity)) || requests;
    } catch (error: unknown) {
      // The engine is away: what the state folder already holds is still true; its bottles show offline.
      if (isConnectionError(error)) return settleHere();
      throw error;
    }
  }

  /** Validates and settles the bottle's inbox (see BottleService.settleInbox). */
  async settle(identity: string): Promise<boolean> {
    return this.settleOn(this.engineFor(identity), identity);
  }

  /** Bottles whose inbox lives in a container on a remote engine (the live core polls these). */
  remoteIdentities(): string[] {
    return [...this.remote];
  }

  /**
   * Settles every bottle's inbox; one bottle's failure is reported and does not stop the rest.
   * Returns every bottle's state entry as it is once settled: each folder is read once before its
   * settling (which steps have something to read) and read again only when the settling could have
   * written to it (it has an inbox or a rebuild folder, is remote, failed, or changed something).
   * A folder unchanged since the last pass (its stamp, see StateScanCache) is not read again, nor
   * is a remote inbox the last pass (of any process) saw unchanged (remote-inbox-stamp-file.ts).
   * `containers`: the engines' listings of the pass, for a listing that follows it to reuse.
   */
  async settleAllInboxes(containers = new EngineContainerIndex()): Promise<StateEntry[]> {
    const scans = new StateScanCache();
    const remoteStamps = this.ctx.caches.of(RemoteInboxStamps);
    const keptStamps = loadKeptStamps(remoteStamps);
    const listed = await listStateRoot();
    // What the pass changed: a listing taken before it may not show that, so it is taken again after.
    const stopsBefore = this.budgetStops;
    const changedOn = new Set<string>();
    let settled = 0;
    const entries = await mapLimited(listed, 32, async ({ identity, isFolder }): Promise<StateEntry | null> => {
      const before = isFolder ? scans.scan(identity) : null;
      let untouched = false;
      try {
        const ctx = this.engineFor(identity, before);
        const folder = before === null ? null : { inbox: before.hasInbox, rebuild: before.hasRebuildFolder };
        const changed = await this.settleOn(ctx, identity, { folder, containers });
        if (changed) {
          this.hooks.changed(identity);
          changedOn.add(ctx.engine.name);
        }
        untouched = ctx.engine.local && folder !== null && !folder.inbox && !folder.rebuild && !changed;
      } catch (error: unknown) {
        this.hooks.notices.failure(`Could not read the inbox of ${identity}`, error);
      }
      // Most bottles settle without any real read: the app's event loop still gets its turns.
      settled += 1;
      if (settled % YIELD_EVERY === 0) await yieldToEventLoop();
      if (!isFolder) return null;
      return untouched ? before : scans.scan(identity);
    });
    if (this.budgetStops !== stopsBefore) containers.forgetAll();
    for (const name of changedOn) containers.forget(name);
    try {
      await scans.save();
      await keepStamps(remoteStamps, new Set(listed.map((entry) => entry.identity)), keptStamps);
    } catch (error: unknown) {
      // The listing is whole without them: the next one only reads every folder and remote inbox again.
      this.hooks.notices.failure('Could not keep the folder scans and inbox stamps for the next listing', error);
    }
    return entries.filter((entry): entry is StateEntry => entry !== null);
  }
}
