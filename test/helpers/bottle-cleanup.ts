import { afterEach } from 'vitest';
import { connectDocker } from '../../src/core/engine/docker-client';
import { LABEL_IDENTITY, listBottleContainers } from '../../src/core/engine/bottle-containers';
import { listStateEntries } from '../../src/core/state/state-listing';
import { removeTestInstanceObjects } from './instance-cleanup';

/**
 * Removes the containers of the bottles this test created (by the identities in its temporary
 * state folder), then its gateway and networks (by its instance id, on every test engine), never
 * anyone else's. Register after useTempHome() so it runs before the folder goes.
 */
export function removeTestBottlesAfterEach(extraIdentities: () => string[] = () => []): void {
  afterEach(async () => {
    const { docker } = connectDocker();
    const mine = new Set([...(await listStateEntries()).map((entry) => entry.identity), ...extraIdentities()]);
    const containers = await listBottleContainers(docker);
    await Promise.all(
      containers
        .filter((info) => mine.has(info.Labels[LABEL_IDENTITY] ?? ''))
        .map((info) =>
          docker
            .getContainer(info.Id)
            .remove({ force: true })
            .catch(() => undefined),
        ),
    );
    await removeTestInstanceObjects();
  });
}
