import { execFileSync } from 'node:child_process';
import { connectDocker, engineInfo } from '../src/core/engine/docker-client';
import { ensureTestBaseImage } from './helpers/busybox-image';
import { ensureTestNodeBaseImage } from './helpers/node-base-image';
import { rawDocker } from './helpers/raw-docker';
import { cannotRunSecondEngineReason, ensureSecondEngine, secondEngineDocker } from './helpers/second-engine';

/**
 * Builds the busybox base image and the gateway's node base (every test root's settings.json names
 * it: test-settings.ts) once per run, on the default engine and on the second test engine (started
 * here when it is not running). Under CI a missing engine fails the run outright: the
 * Docker tests must run there, never skip.
 */
export default async function globalSetup(): Promise<void> {
  // The CLI tests run the real bin, which runs the bundle: rebuild it from the current sources.
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
  const connection = connectDocker();
  try {
    await engineInfo(connection);
  } catch (error: unknown) {
    if (process.env.CI === 'true') throw error;
    process.stderr.write(`Docker tests will be skipped: ${(error as Error).message}\n`);
    return;
  }
  await ensureTestBaseImage(rawDocker());
  await ensureTestNodeBaseImage(rawDocker());
  const cannot = cannotRunSecondEngineReason();
  if (cannot !== null) {
    if (process.env.CI === 'true') throw new Error(`the multi-engine tests need a second dockerd here: ${cannot}`);
    process.stderr.write(`Multi-engine tests will be skipped: ${cannot}\n`);
    return;
  }
  await ensureSecondEngine();
  await ensureTestBaseImage(secondEngineDocker());
  await ensureTestNodeBaseImage(secondEngineDocker());
}
