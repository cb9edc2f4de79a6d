import { afterEach } from 'vitest';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { gatewayContainerName } from '../../src/core/engine/gateway-container';
import { instanceId } from '../../src/core/state/instance-id';
import type Docker from 'dockerode';
import { rawDocker } from './raw-docker';

/**
 * Issue 19's engine objects of this test's own state root, removed after each test: its gateway
 * container, the containers on its networks that it made, then the networks (bottle networks and
 * the egress bridge) labelled with its instance id. Another root's are never listed, so never
 * touched. Register after useBottleTestEnv(): it runs first then, while the root still exists.
 * `engine` names another engine than the default (the second test engine, for remote bottles).
 */
export function removeTestNetworksAfterEach(engine: () => Docker = rawDocker): void {
  afterEach(async () => {
    const docker = engine();
    const instance = instanceId();
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
  });
}
