import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { LABEL_INSTANCE } from '../../src/core/engine/bottle-containers';
import { claudeBottleRoot } from '../../src/core/state/state-paths';
import { rawDocker } from './raw-docker';
import { cannotRunSecondEngineReason, SECOND_ENGINE, secondEngineDocker } from './second-engine';

/*
 * What a test state root made on the engines (issue 19: a gateway, an egress bridge, bottle
 * networks, besides its bottles), found by the root's own instance id and removed. No test runner
 * in here: vitest's helpers and Playwright's specs both use it.
 */

/**
 * The instance id of a test root, read and never minted: a root that made nothing on an engine has
 * no id yet, and then nothing of it is there to remove.
 */
function rootInstanceId(root: string): string | null {
  const path = join(root, 'instance-id');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : null;
}

/**
 * Issue 19's engine objects of one instance on one engine: every container labelled with its id
 * (its gateway, its bottles), then its networks (bottle networks and the egress bridge). Another
 * root's are never listed, so never touched.
 */
export async function removeInstanceObjects(docker: Docker, instance: string): Promise<void> {
  const label = `${LABEL_INSTANCE}=${instance}`;
  for (const info of await docker.listContainers({ all: true, filters: { label: [label] } }))
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch((error: unknown) => {
        // Gone meanwhile (a test's own removal racing this one) is what was wanted.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      });
  // Left to throw: a network that cannot go (someone else's container on it) is a leak to see.
  for (const network of await docker.listNetworks({ filters: { label: [label] } })) await docker.getNetwork(network.Id).remove();
}

/** The engines a test root may have used: the default one, and the second test engine when it runs here. */
function testEngines(): Docker[] {
  const engines = [rawDocker()];
  if (cannotRunSecondEngineReason() === null && existsSync(SECOND_ENGINE.socket)) engines.push(secondEngineDocker());
  return engines;
}

/** Removes the gateway, bottles and networks of a test root (CLAUDE_BOTTLE_HOME's by default) on every test engine. */
export async function removeTestInstanceObjects(root: string = claudeBottleRoot()): Promise<void> {
  const instance = rootInstanceId(root);
  if (instance === null) return;
  for (const docker of testEngines()) await removeInstanceObjects(docker, instance);
}
