import { existsSync } from 'node:fs';
import { ensureTestBaseImage } from '../test/helpers/busybox-image';
import { ensureTestNodeBaseImage } from '../test/helpers/node-base-image';
import { rawDocker } from '../test/helpers/raw-docker';
import { cannotRunSecondEngineReason, SECOND_ENGINE, secondEngineDocker } from '../test/helpers/second-engine';

/**
 * The images every spec's bottles need, built once per run: the busybox base of the test agents,
 * and the node base the gateway (on by default) is built FROM (e2e-home.ts names it in each root's
 * settings.json). On the second test engine too when it runs here (engines.spec.ts starts it).
 */
export default async function globalSetup(): Promise<void> {
  const engines = [rawDocker()];
  if (cannotRunSecondEngineReason() === null && existsSync(SECOND_ENGINE.socket)) engines.push(secondEngineDocker());
  for (const docker of engines) {
    await ensureTestBaseImage(docker);
    await ensureTestNodeBaseImage(docker);
  }
}
