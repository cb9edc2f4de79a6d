import { isValidIdentity } from '../../shared/identity';
import { removeBottleNetwork } from '../engine/bottle-networks';
import { LABEL_IDENTITY, LABEL_INSTANCE } from '../engine/bottle-containers';
import type { EngineClient } from '../engine/engine-client';
import { ifContainerExists } from '../engine/if-engine-object-exists';
import { instanceId } from '../state/instance-id';
import { isLeftover, LABEL_SIGN_IN } from './sign-in-labels';

/**
 * Removes one sign-in flow's container and network (this root's, by the flow's identity). Both may
 * be gone already: a removal of nothing is fine. The network goes after the container: the engine
 * refuses to remove a network a container is still on.
 */
export async function removeSignInObjects(docker: EngineClient, identity: string): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_SIGN_IN}`, `${LABEL_IDENTITY}=${identity}`, `${LABEL_INSTANCE}=${instanceId()}`] },
  });
  for (const info of containers) await ifContainerExists(docker.getContainer(info.Id).remove({ force: true }));
  await removeBottleNetwork(docker, identity);
}

/**
 * What sign-in flows of this root left behind when their process died mid-way (a crash, a kill):
 * their containers and networks, found by label, each removed when the process that made it no
 * longer runs. A flow running now, in this or another process, is left alone. Returns how many
 * flows were cleaned.
 */
export async function removeSignInLeftovers(docker: EngineClient): Promise<number> {
  const filters = { label: [LABEL_SIGN_IN, `${LABEL_INSTANCE}=${instanceId()}`] };
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  const identities = new Set<string>();
  for (const { Labels } of [...containers, ...networks]) {
    const identity = Labels?.[LABEL_IDENTITY];
    if (identity !== undefined && isValidIdentity(identity) && isLeftover(Labels)) identities.add(identity);
  }
  for (const identity of identities) await removeSignInObjects(docker, identity);
  return identities.size;
}
