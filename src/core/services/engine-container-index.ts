import type { ContainerInfo } from '../engine/engine-client';
import { isOwnContainer, LABEL_IDENTITY, listBottleContainers } from '../engine/bottle-containers';
import type { CoreDeps } from '../deps/core-deps';
import { instanceId } from '../state/instance-id';
import { Limiter } from '../base/limiter';

/**
 * Remote inbox reads of one pass at once on one engine. Every read is a request or three to the
 * engine; 32 at once (the pass's width) opened 32 TLS connections, each with its handshake, which
 * on a two-core machine cost the listing more than the requests themselves. A few kept-alive
 * connections serve them sooner.
 */
export const REQUESTS_PER_ENGINE = 4;

/**
 * Each engine's containers of this state root, listed once for one pass over every bottle (settling
 * every remote inbox): one request per engine instead of one per bottle. Each answer is the one
 * findBottleContainer gives: the newest container this state root made under that identity. Kept
 * for the pass and the listing that follows it (listBottles), never across passes: the next pass
 * lists again.
 */
export class EngineContainerIndex {
  private readonly listings = new Map<string, Promise<ContainerInfo[]>>();
  private readonly byIdentity = new Map<string, Promise<Map<string, ContainerInfo>>>();
  private readonly limiters = new Map<string, Limiter>();
  /** Engines listed before the pass began (listAhead): their listing's failure is the listing's own. */
  private readonly ahead = new Set<string>();

  /**
   * Lists the engine `ctx` works on now, while the pass settles the inboxes, for the listing that
   * follows (and the pass's own remote reads there): the engine works while the state folder is
   * read, instead of after it. `list`: the listing as the caller bounds it (its timeout).
   */
  listAhead(ctx: CoreDeps, list: () => Promise<ContainerInfo[]>): void {
    const name = ctx.engine.name;
    if (this.listings.has(name)) return;
    const listing = list();
    // Observed by listed(), which hands a failure to the listing that follows; never left unhandled meanwhile.
    listing.catch((_error: unknown) => undefined);
    this.listings.set(name, listing);
    this.ahead.add(name);
  }

  /**
   * The pass changed something of a bottle on engine `name` (or stopped one): a listing taken before
   * that may be stale, so the listing that follows asks the engine again.
   */
  forget(name: string): void {
    this.listings.delete(name);
    this.byIdentity.delete(name);
    this.ahead.delete(name);
  }

  /** Forgets every engine's listing (see forget). */
  forgetAll(): void {
    for (const name of [...this.listings.keys()]) this.forget(name);
  }

  /** `work` (requests to the engine `ctx` works on) once fewer than REQUESTS_PER_ENGINE of this pass run there. */
  onEngine<T>(ctx: CoreDeps, work: () => Promise<T>): Promise<T> {
    let limiter = this.limiters.get(ctx.engine.name);
    if (limiter === undefined) {
      limiter = new Limiter(REQUESTS_PER_ENGINE);
      this.limiters.set(ctx.engine.name, limiter);
    }
    return limiter.run(work);
  }

  /** The bottle's container on the engine `ctx` works on; null when this state root has none there. */
  async ours(ctx: CoreDeps, identity: string): Promise<ContainerInfo | null> {
    let index = this.byIdentity.get(ctx.engine.name);
    if (index === undefined) {
      index = this.listing(ctx).then(newestOwnByIdentity);
      this.byIdentity.set(ctx.engine.name, index);
    }
    return (await index).get(identity) ?? null;
  }

  /**
   * The engine's bottle containers as this pass listed them, or null when it did not list them or
   * its listing failed (the caller lists again, and fails as ever). The remote inboxes' settling
   * changes no container, so the listing that follows the pass reads the engine once, not twice.
   * A listing taken ahead (listAhead) was the following listing's own request: its failure is
   * thrown, for the caller to judge as it judges its own (an engine that did not answer within the
   * caller's bound is not waited for twice).
   */
  async listed(name: string): Promise<ContainerInfo[] | null> {
    const listing = this.listings.get(name);
    if (listing === undefined) return null;
    if (this.ahead.has(name)) return listing;
    try {
      return await listing;
    } catch (error: unknown) {
      // Already reported to the bottles that asked during the pass; the listing asks the engine again.
      return null;
    }
  }

  private listing(ctx: CoreDeps): Promise<ContainerInfo[]> {
    let listing = this.listings.get(ctx.engine.name);
    if (listing === undefined) {
      listing = listBottleContainers(ctx.docker);
      this.listings.set(ctx.engine.name, listing);
    }
    return listing;
  }
}

function newestOwnByIdentity(containers: ContainerInfo[]): Map<string, ContainerInfo> {
  const instance = instanceId();
  const newest = new Map<string, ContainerInfo>();
  for (const info of containers) {
    const identity = info.Labels[LABEL_IDENTITY];
    if (identity === undefined || !isOwnContainer(info.Labels, instance)) continue;
    const known = newest.get(identity);
    if (known === undefined || info.Created > known.Created) newest.set(identity, info);
  }
  return newest;
}
