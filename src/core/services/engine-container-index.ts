import type { ContainerInfo } from '../engine/engine-client';
import { isOwnContainer, LABEL_IDENTITY, listBottleContainers } from '../engine/bottle-containers';
import type { CoreDeps } from '../deps/core-deps';
import { instanceId } from '../state/instance-id';

/**
 * Each engine's containers of this state root, listed once for one pass over every bottle (settling
 * every remote inbox): one request per engine instead of one per bottle. Each answer is the one
 * findBottleContainer gives: the newest container this state root made under that identity. Kept
 * for the pass only, never across passes: the next pass lists again.
 */
export class EngineContainerIndex {
  private readonly listings = new Map<string, Promise<Map<string, ContainerInfo>>>();

  /** The bottle's container on the engine `ctx` works on; null when this state root has none there. */
  async ours(ctx: CoreDeps, identity: string): Promise<ContainerInfo | null> {
    let listing = this.listings.get(ctx.engine.name);
    if (listing === undefined) {
      listing = newestOwnByIdentity(ctx);
      this.listings.set(ctx.engine.name, listing);
    }
    return (await listing).get(identity) ?? null;
  }
}

async function newestOwnByIdentity(ctx: CoreDeps): Promise<Map<string, ContainerInfo>> {
  const instance = instanceId();
  const newest = new Map<string, ContainerInfo>();
  for (const info of await listBottleContainers(ctx.docker)) {
    const identity = info.Labels[LABEL_IDENTITY];
    if (identity === undefined || !isOwnContainer(info.Labels, instance)) continue;
    const known = newest.get(identity);
    if (known === undefined || info.Created > known.Created) newest.set(identity, info);
  }
  return newest;
}
