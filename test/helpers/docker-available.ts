import { connectDocker, engineInfo } from '../../src/core/engine/docker-client';

async function probe(): Promise<string | null> {
  try {
    await engineInfo(connectDocker());
    return null;
  } catch (error: unknown) {
    return (error as Error).message;
  }
}

/** Null when an engine answers; otherwise the reason Docker tests are skipped (never under CI). */
export const dockerUnavailableReason: string | null = await probe();
export const skipWithoutDocker = dockerUnavailableReason !== null && process.env.CI !== 'true';
