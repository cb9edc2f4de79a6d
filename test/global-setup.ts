import { execFileSync } from 'node:child_process';
import { connectDocker, engineInfo } from '../src/core/engine/docker-client';
import { ensureTestBaseImage } from './helpers/busybox-image';

/**
 * Builds the busybox base image once per run. Under CI a missing engine fails the run outright:
 * the Docker tests must run there, never skip.
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
  await ensureTestBaseImage(connection.docker);
}
