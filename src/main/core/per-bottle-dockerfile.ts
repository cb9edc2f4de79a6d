import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write';
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
    const handle = await open(perBottleDockerfilePath(identity), constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new Error(`per-bottle Dockerfile of ${identity} is not a regular file`);
      if (info.size > MAX_DOCKERFILE_BYTES) throw new Error(`per-bottle Dockerfile of ${identity} is too large`);
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function writePerBottleDockerfile(identity: string, content: string): Promise<string> {
  const path = perBottleDockerfilePath(identity);
  await writeFileAtomic(path, content, 0o644);
  return path;
}
