import { writeFileAtomic } from '../fs/atomic-write';
import { isMissing } from '../fs/if-exists';
import { readRegularFile } from '../fs/read-regular-file';
import { bottlePaths } from './state-paths';

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export function perBottleDockerfilePath(identity: string): string {
  return bottlePaths(identity).dockerfile;
}

export function transcriptSnapshotDir(identity: string): string {
  return bottlePaths(identity).transcript;
}

/** The Dockerfile committed by an approved capability-block, or null when there is none. */
export async function readPerBottleDockerfile(identity: string): Promise<string | null> {
  try {
    return await readRegularFile(perBottleDockerfilePath(identity), MAX_DOCKERFILE_BYTES);
  } catch (error: unknown) {
    if (isMissing(error)) return null;
    throw new Error(`per-bottle Dockerfile of ${identity}: ${(error as Error).message}`);
  }
}

export async function writePerBottleDockerfile(identity: string, content: string): Promise<string> {
  const path = perBottleDockerfilePath(identity);
  await writeFileAtomic(path, content, 0o644);
  return path;
}
