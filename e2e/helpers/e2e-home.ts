import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTestInstanceObjects } from '../../test/helpers/instance-cleanup';
import { writeTestSettings } from '../../test/helpers/test-settings';

/**
 * A fresh state root for a spec, with the test settings every test root has: the gateway on (the
 * default) and built FROM the local node base that global-setup.ts makes, since no registry is
 * reachable here.
 */
export async function createE2eHome(prefix: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  await writeTestSettings({}, join(home, 'settings.json'));
  return home;
}

/** The root's gateway, networks and leftover containers on the test engines (by its own instance id), then the folder. */
export async function removeE2eHome(home: string): Promise<void> {
  await removeTestInstanceObjects(home);
  await rm(home, { recursive: true, force: true });
}
