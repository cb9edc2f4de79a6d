import type Docker from 'dockerode';
import { afterEach } from 'vitest';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { instanceId } from '../../src/core/state/instance-id';
import { rawDocker } from './raw-docker';

/**
 * Issue 19's engine objects of one state root: its gateway container, the containers on its
 * networks that it made, then the networks (bottle networks and the egress bridge) labelled with
 * its instance id. Another root's are never listed, so never touched.
 */
export async function removeInstanceNetworks(docker: Docker, instance: string): Promise<void> {
  await docker
    .getContainer(gatewayContainerName(instance))
    .remove({ force: true })
    .catch(() => undefined);
  const label = `${LABEL_INSTANCE}=${instance}`;
  for (const info of await docker.listContainers({ all: true, filters: { label: [label] } }))
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const network of await docker.listNetworks({ filters: { label: [label] } })) await docker.getNetwork(network.Id).remove();
}

/**
 * This test's root's issue-19 engine objects, removed after each test. Register after
 * useBottleTestEnv(): it runs first then, while the root still exists. `engine` names another
 * engine than the default (the second test engine, for remote bottles).
 */
export function removeTestNetworksAfterEach(engine: () => Docker = rawDocker): void {
  afterEach(async () => removeInstanceNetworks(engine(), instanceId()));
}
