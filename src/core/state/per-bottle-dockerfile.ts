import { writeFileAtomic } from '../fs/atomic-write';
import { isMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { bottlePaths } from './state-paths';

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** The Dockerfile committed by an approved capability-block, or null when there is none. */
export async function readPerBottleDockerfile(identity: string): Promise<string | null> {
  try {
    return await readRegularFile(bottlePaths(identity).dockerfile, MAX_DOCKERFILE_BYTES);
  } catch (error: unknown) {
    if (isMissing(error)) return null;
    throw new Error(`per-bottle Dockerfile of ${identity}: ${(error as Error).message}`);
  }
}

export async function writePerBottleDockerfile(identity: string, content: string): Promise<string> {
  const path = bottlePaths(identity).dockerfile;
  await writeFileAtomic(path, content, 0o644);
  return path;
}
